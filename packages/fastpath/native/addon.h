// What the addon's source files share: errno errors for JS and the
// registration hooks each file's functions are exported through.
#ifndef PLUG_FASTPATH_ADDON_H
#define PLUG_FASTPATH_ADDON_H

#include <node_api.h>
#include <stdint.h>

#include "errno-error.h"

// The bytes of a Uint8Array argument (a Buffer is one); 0 for anything else.
static inline int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = (uint8_t *)ptr;
  return 1;
}

int register_aead(napi_env env, napi_value exports);
int register_protocol_crypto(napi_env env, napi_value exports);
int register_udp(napi_env env, napi_value exports);
int register_blake2s(napi_env env, napi_value exports);
int register_x25519(napi_env env, napi_value exports);
int register_socket_mark(napi_env env, napi_value exports);

#endif
