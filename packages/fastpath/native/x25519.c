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
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "addon.h"

#define KEY_LENGTH 32

// A private key and, once it has derived, its derive context: set up once per
// key instead of per DH (EVP_PKEY_CTX_new fetches the exchange method and
// derive_init sets it up, ~4 us of a ~65 us DH here).
typedef struct {
  EVP_PKEY *key;
  EVP_PKEY_CTX *derive;
} x25519_key_t;

static void key_finalize(napi_env env, void *data, void *hint) {
  x25519_key_t *k = (x25519_key_t *)data;
  EVP_PKEY_CTX_free(k->derive);
  EVP_PKEY_free(k->key);
  free(k);
}

// Peer public keys are imported through one context per thread that already
// holds the key manager; EVP_PKEY_new_raw_public_key fetched it per call (~3 us).
static _Thread_local EVP_PKEY_CTX *public_import;

static EVP_PKEY *import_public(const uint8_t *pub) {
  if (public_import == NULL) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1) {
      EVP_PKEY_CTX_free(ctx);
      return NULL;
    }
    public_import = ctx;
  }
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, KEY_LENGTH), OSSL_PARAM_construct_end()};
  EVP_PKEY *peer = NULL;
  return EVP_PKEY_fromdata(public_import, &peer, EVP_PKEY_PUBLIC_KEY, params) == 1 ? peer : NULL;
}

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
  x25519_key_t *k = (x25519_key_t *)calloc(1, sizeof *k);
  EVP_PKEY *key = k == NULL ? NULL : EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, KEY_LENGTH);
  size_t out_len = KEY_LENGTH;
  if (key == NULL || EVP_PKEY_get_raw_public_key(key, pub, &out_len) != 1 || out_len != KEY_LENGTH) {
    EVP_PKEY_free(key);
    free(k);
    napi_throw_error(env, "ECRYPTO", "x25519Key: OpenSSL refused the key");
    return NULL;
  }
  k->key = key;
  napi_value handle;
  if (napi_create_external(env, k, key_finalize, NULL, &handle) != napi_ok) {
    EVP_PKEY_free(key);
    free(k);
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
  x25519_key_t *k = (x25519_key_t *)data;
  if (k->derive == NULL) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->key, NULL);
    if (ctx != NULL && EVP_PKEY_derive_init(ctx) == 1) k->derive = ctx;
    else EVP_PKEY_CTX_free(ctx);
  }
  EVP_PKEY *peer = k->derive == NULL ? NULL : import_public(peer_pub);
  size_t len = KEY_LENGTH;
  // No peer validation (the _ex flag 0): for X25519 OpenSSL 3.0's public check
  // only asks whether the key has a public part, which fromdata just gave it,
  // and building the check context cost ~2 us per DH. The low-order points
  // that matter are refused by the derive itself (an all-zero result fails).
  bool ok = peer != NULL && EVP_PKEY_derive_set_peer_ex(k->derive, peer, 0) == 1 && EVP_PKEY_derive(k->derive, out, &len) == 1 &&
            len == KEY_LENGTH;
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
