// What the addon's source files share: errno errors for JS and the
// registration hooks each file's functions are exported through.
#ifndef PLUG_FASTPATH_ADDON_H
#define PLUG_FASTPATH_ADDON_H

#include <node_api.h>

#include "errno-error.h"

int register_aead(napi_env env, napi_value exports);
int register_protocol_crypto(napi_env env, napi_value exports);
int register_udp(napi_env env, napi_value exports);
int register_blake2s(napi_env env, napi_value exports);
int register_x25519(napi_env env, napi_value exports);
int register_socket_mark(napi_env env, napi_value exports);

#endif
