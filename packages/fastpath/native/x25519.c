// X25519 through the OpenSSL that Node links (EVP_PKEY_derive).
//
// Why native: node:crypto can only take raw X25519 keys as JWK or DER, and
// each import is a parse plus an OpenSSL key object; deriving the public key
// then costs a second scalar multiplication (a DH with the base point).
// Here a private key is imported once from its 32 bytes, and OpenSSL's import
// already computes the public key, which we read back for free.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openssl/evp.h>

#include "addon.h"

#define KEY_LENGTH 32

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = (uint8_t *)ptr;
  return 1;
}

static void key_finalize(napi_env env, void *data, void *hint) { EVP_PKEY_free((EVP_PKEY *)data); }

// x25519Key(private: Uint8Array(32), publicOut: Uint8Array(32)) -> handle
static napi_value x_key(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *priv = NULL, *pub = NULL;
  size_t priv_len = 0, pub_len = 0;
  if (argc < 2 || !get_bytes(env, argv[0], &priv, &priv_len) || priv_len != KEY_LENGTH || !get_bytes(env, argv[1], &pub, &pub_len) ||
      pub_len != KEY_LENGTH) {
    napi_throw_type_error(env, "EINVAL", "x25519Key(private, publicOut): two 32-byte Uint8Arrays");
    return NULL;
  }
  EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, KEY_LENGTH);
  size_t out_len = KEY_LENGTH;
  if (key == NULL || EVP_PKEY_get_raw_public_key(key, pub, &out_len) != 1 || out_len != KEY_LENGTH) {
    EVP_PKEY_free(key);
    napi_throw_error(env, "ECRYPTO", "x25519Key: OpenSSL refused the key");
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, key, key_finalize, NULL, &handle) != napi_ok) {
    EVP_PKEY_free(key);
    return NULL;
  }
  return handle;
}

// x25519Derive(handle, peerPublic: Uint8Array(32), out: Uint8Array(32)) -> boolean
// false when OpenSSL refuses (an all-zero result from a low-order point).
static napi_value x_derive(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  void *data = NULL;
  uint8_t *peer_pub = NULL, *out = NULL;
  size_t peer_len = 0, out_len = 0;
  if (argc < 3 || napi_get_value_external(env, argv[0], &data) != napi_ok || !get_bytes(env, argv[1], &peer_pub, &peer_len) ||
      peer_len != KEY_LENGTH || !get_bytes(env, argv[2], &out, &out_len) || out_len != KEY_LENGTH) {
    napi_throw_type_error(env, "EINVAL", "x25519Derive(key, peerPublic, out): bad arguments");
    return NULL;
  }
  EVP_PKEY *key = (EVP_PKEY *)data;
  EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pub, KEY_LENGTH);
  EVP_PKEY_CTX *ctx = peer == NULL ? NULL : EVP_PKEY_CTX_new(key, NULL);
  size_t len = KEY_LENGTH;
  bool ok = ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
            EVP_PKEY_derive(ctx, out, &len) == 1 && len == KEY_LENGTH;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(peer);
  if (!ok) memset(out, 0, KEY_LENGTH);
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

int register_x25519(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"x25519Key", NULL, x_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"x25519Derive", NULL, x_derive, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
