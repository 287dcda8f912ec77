// What the addon's source files share: errno errors for JS and the
// registration hooks each file's functions are exported through.
#ifndef PLUG_ADDON_H
#define PLUG_ADDON_H

#include <node_api.h>

// An Error with .code = errno name and .errno = number.
napi_value make_errno_error(napi_env env, const char *op, int err);
// Throws make_errno_error; returns NULL for `return throw_errno(...)`.
napi_value throw_errno(napi_env env, const char *op, int err);

int register_aead(napi_env env, napi_value exports);
int register_udp(napi_env env, napi_value exports);
int register_blake2s(napi_env env, napi_value exports);
int register_x25519(napi_env env, napi_value exports);

#endif
