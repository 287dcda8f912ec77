// plug's fast path as a Node-API addon: the batched UDP socket (udp.c), SO_MARK
// (socket-mark.c) and OpenSSL primitives with reusable contexts (aead.c,
// blake2s.c, x25519.c; OpenSSL is the copy Node itself links, no cipher code of
// ours). Both plugd and coordd load it; it has nothing to do with TUN devices,
// so coordd's image can ship it without @plug/tun.
#include "addon.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!register_udp(env, exports)) return NULL;
  if (!register_socket_mark(env, exports)) return NULL;
  if (!register_aead(env, exports)) return NULL;
  if (!register_protocol_crypto(env, exports)) return NULL;
  if (!register_blake2s(env, exports)) return NULL;
  if (!register_x25519(env, exports)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
