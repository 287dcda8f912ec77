// HMAC-SHA256 and HKDF-SHA256 for the coordination protocol (@plug/protocol),
// through the OpenSSL that Node links: its EVP API only, no hash code of ours.
// (Its ChaCha20-Poly1305 is aead.c's one-shot call, shared with the WireGuard
// handshake.)
//
// Why not node:crypto: the protocol's messages are small (20-600 bytes), and
// node:crypto spends several microseconds per call building a cipher or HMAC
// object (provider lookup, context allocation, a JS wrapper, one crossing per
// update/final/getAuthTag) before it touches the data. Here each operation is
// one N-API call on contexts that live as long as the process:
//   - HMAC: keying costs two SHA-256 blocks (ipad, opad), as much as hashing a
//     short message, and the protocol MACs many messages under a few keys
//     (cookie secrets, probe keys). The keyed contexts of the last
//     HMAC_CACHE_SIZE keys are kept, found by comparing the key bytes, and
//     reset to their keyed state per message (EVP_MAC_init with a NULL key).
//   - HKDF: the fetched EVP_KDF is kept; a context per derivation.
// The contexts are per thread (a worker that loads the addon gets its own),
// and each thread uses them from its JS thread only, so they need no locking.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "addon.h"

#define HMAC_LENGTH 32
#define HMAC_CACHE_SIZE 8
#define HMAC_MAX_KEY 128
#define STRING_STACK 512

static napi_value throw_args(napi_env env, const char *usage) {
  napi_throw_type_error(env, "EINVAL", usage);
  return NULL;
}

// ---------------------------------------------------------------------------
// HMAC-SHA256

typedef struct {
  EVP_MAC_CTX *ctx;
  size_t key_len;
  uint8_t key[HMAC_MAX_KEY];
} hmac_entry_t;

static _Thread_local EVP_MAC *hmac_mac;
static _Thread_local hmac_entry_t hmac_cache[HMAC_CACHE_SIZE];
static _Thread_local unsigned hmac_next;

// A context reset to the keyed state of `key`, or NULL. Keys longer than
// HMAC_MAX_KEY get a fresh context in *scratch that the caller frees.
static EVP_MAC_CTX *hmac_keyed(const uint8_t *key, size_t key_len, EVP_MAC_CTX **scratch) {
  // A NULL key would mean "reset to the current key" to EVP_MAC_init.
  static const uint8_t empty_key[1];
  if (key_len == 0) key = empty_key;
  *scratch = NULL;
  if (hmac_mac == NULL) {
    hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (hmac_mac == NULL) return NULL;
  }
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0), OSSL_PARAM_construct_end()};
  if (key_len <= HMAC_MAX_KEY) {
    for (unsigned i = 0; i < HMAC_CACHE_SIZE; i++) {
      hmac_entry_t *e = &hmac_cache[i];
      if (e->ctx != NULL && e->key_len == key_len && CRYPTO_memcmp(e->key, key, key_len) == 0) {
        return EVP_MAC_init(e->ctx, NULL, 0, NULL) == 1 ? e->ctx : NULL;
      }
    }
    hmac_entry_t *e = &hmac_cache[hmac_next];
    hmac_next = (hmac_next + 1) % HMAC_CACHE_SIZE;
    if (e->ctx == NULL) e->ctx = EVP_MAC_CTX_new(hmac_mac);
    if (e->ctx == NULL) return NULL;
    e->key_len = 0;
    OPENSSL_cleanse(e->key, sizeof e->key);
    if (EVP_MAC_init(e->ctx, key, key_len, params) != 1) return NULL;
    memcpy(e->key, key, key_len);
    e->key_len = key_len;
    return e->ctx;
  }
  EVP_MAC_CTX *c = EVP_MAC_CTX_new(hmac_mac);
  if (c == NULL) return NULL;
  *scratch = c;
  return EVP_MAC_init(c, key, key_len, params) == 1 ? c : NULL;
}

// Feeds a Uint8Array or a string (as UTF-8, like node:crypto's update(string)).
static int hmac_update_value(napi_env env, EVP_MAC_CTX *c, napi_value v) {
  uint8_t *data;
  size_t len;
  if (get_bytes(env, v, &data, &len)) return len == 0 || EVP_MAC_update(c, data, len) == 1;
  char stack[STRING_STACK];
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return -1;
  char *buf = len < sizeof stack ? stack : (char *)malloc(len + 1);
  if (buf == NULL) return 0;
  size_t copied = 0;
  int ok = napi_get_value_string_utf8(env, v, buf, len + 1, &copied) == napi_ok && (copied == 0 || EVP_MAC_update(c, (uint8_t *)buf, copied) == 1);
  if (buf != stack) free(buf);
  return ok;
}

// protoHmacSha256(key, parts: (Uint8Array | string)[], out(32)): void
static napi_value proto_hmac(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *key, *out;
  size_t key_len, out_len;
  bool is_array = false;
  uint32_t n = 0;
  if (argc < 3 || !get_bytes(env, argv[0], &key, &key_len) || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &n) != napi_ok || !get_bytes(env, argv[2], &out, &out_len) || out_len != HMAC_LENGTH) {
    return throw_args(env, "protoHmacSha256(key, parts, out(32)): bad arguments");
  }
  EVP_MAC_CTX *scratch;
  EVP_MAC_CTX *c = hmac_keyed(key, key_len, &scratch);
  int ok = c != NULL;
  for (uint32_t i = 0; ok == 1 && i < n; i++) {
    napi_value part;
    ok = napi_get_element(env, argv[1], i, &part) == napi_ok ? hmac_update_value(env, c, part) : 0;
  }
  size_t mac_len = 0;
  if (ok == 1) ok = EVP_MAC_final(c, out, &mac_len, HMAC_LENGTH) == 1 && mac_len == HMAC_LENGTH;
  if (scratch != NULL) EVP_MAC_CTX_free(scratch);
  if (ok == -1) return throw_args(env, "protoHmacSha256: a part is neither a Uint8Array nor a string");
  if (ok != 1) {
    napi_throw_error(env, "ECRYPTO", "protoHmacSha256: OpenSSL failed");
    return NULL;
  }
  return NULL;
}

// ---------------------------------------------------------------------------
// HKDF-SHA256 (RFC 5869, extract then expand)

static _Thread_local EVP_KDF *hkdf_kdf;

// protoHkdfSha256(ikm, salt, info, out): void; out.length is L (at most 255 * 32).
static napi_value proto_hkdf(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *ikm, *salt, *inf, *out;
  size_t ikm_len, salt_len, info_len, out_len;
  if (argc < 4 || !get_bytes(env, argv[0], &ikm, &ikm_len) || !get_bytes(env, argv[1], &salt, &salt_len) ||
      !get_bytes(env, argv[2], &inf, &info_len) || !get_bytes(env, argv[3], &out, &out_len) || out_len == 0 || out_len > 255 * 32) {
    return throw_args(env, "protoHkdfSha256(ikm, salt, info, out(1..8160)): bad arguments");
  }
  if (hkdf_kdf == NULL) hkdf_kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  // A fresh context per derivation: a reused one crashed inside OpenSSL 3.0
  // after some hundreds of derivations with changing parameters, and HKDF
  // runs once per new session, not per message.
  EVP_KDF_CTX *ctx = hkdf_kdf == NULL ? NULL : EVP_KDF_CTX_new(hkdf_kdf);
  // OpenSSL wants non-NULL pointers even for empty strings.
  static uint8_t empty[1];
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm_len > 0 ? ikm : empty, ikm_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_len > 0 ? salt : empty, salt_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_len > 0 ? inf : empty, info_len),
      OSSL_PARAM_construct_end(),
  };
  int ok = ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) {
    napi_throw_error(env, "ECRYPTO", "protoHkdfSha256: OpenSSL failed");
    return NULL;
  }
  return NULL;
}

int register_protocol_crypto(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"protoHmacSha256", NULL, proto_hmac, NULL, NULL, NULL, napi_enumerable, NULL},
      {"protoHkdfSha256", NULL, proto_hkdf, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
