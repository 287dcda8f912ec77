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
//   - HKDF: RFC 5869's extract and expand over two HMAC contexts of its own
//     (below), re-keyed per derivation.
// The contexts are per thread (a worker that loads the addon gets its own),
// and each thread uses them from its JS thread only, so they need no locking.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
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
// HKDF-SHA256 (RFC 5869, extract then expand), composed from OpenSSL's HMAC
// exactly as the RFC defines it:
//   PRK = HMAC(salt, IKM)                          (an empty salt is 32 zero bytes)
//   T(i) = HMAC(PRK, T(i-1) | info | i), OKM = first L bytes of T(1) | T(2) | ...
// Why not EVP_KDF: it costs a context per derivation (a reused one crashed
// inside OpenSSL 3.0 after some hundreds of derivations with changing
// parameters) plus a digest fetch from its parameters, ~10 us for what is
// ~2 us of SHA-256. Here two HMAC contexts live as long as the thread: one is
// re-keyed with each salt, the other with each PRK, and reset to that keyed
// state per block. They are separate from the cache above so that a
// derivation never evicts a hot MAC key; both are cleansed of their keys by
// the next derivation's re-keying, and the PRK and T blocks on the stack are
// cleansed before returning.

static _Thread_local EVP_MAC_CTX *hkdf_extract_ctx;
static _Thread_local EVP_MAC_CTX *hkdf_expand_ctx;

static EVP_MAC_CTX *hkdf_context(EVP_MAC_CTX **slot) {
  if (*slot != NULL) return *slot;
  if (hmac_mac == NULL && (hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL) return NULL;
  EVP_MAC_CTX *c = EVP_MAC_CTX_new(hmac_mac);
  if (c == NULL) return NULL;
  // The digest is set once; later EVP_MAC_init calls pass no parameters and keep it.
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0), OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(c, params) != 1) {
    EVP_MAC_CTX_free(c);
    return NULL;
  }
  return *slot = c;
}

static int hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len, const uint8_t *inf, size_t info_len,
                       uint8_t *out, size_t out_len) {
  static const uint8_t zeros[HMAC_LENGTH];
  EVP_MAC_CTX *x = hkdf_context(&hkdf_extract_ctx);
  EVP_MAC_CTX *e = hkdf_context(&hkdf_expand_ctx);
  if (x == NULL || e == NULL) return 0;
  uint8_t prk[HMAC_LENGTH], t[HMAC_LENGTH];
  size_t len = 0;
  // RFC 5869 2.2: no salt means HashLen zeros.
  int ok = EVP_MAC_init(x, salt_len > 0 ? salt : zeros, salt_len > 0 ? salt_len : HMAC_LENGTH, NULL) == 1 &&
           (ikm_len == 0 || EVP_MAC_update(x, ikm, ikm_len) == 1) && EVP_MAC_final(x, prk, &len, HMAC_LENGTH) == 1 && len == HMAC_LENGTH &&
           EVP_MAC_init(e, prk, HMAC_LENGTH, NULL) == 1;
  size_t done = 0;
  for (uint8_t i = 1; ok && done < out_len; i++) {
    // The first block is keyed by the EVP_MAC_init above; later ones reset to that key.
    ok = (i == 1 || EVP_MAC_init(e, NULL, 0, NULL) == 1) && (i == 1 || EVP_MAC_update(e, t, HMAC_LENGTH) == 1) &&
         (info_len == 0 || EVP_MAC_update(e, inf, info_len) == 1) && EVP_MAC_update(e, &i, 1) == 1 &&
         EVP_MAC_final(e, t, &len, HMAC_LENGTH) == 1 && len == HMAC_LENGTH;
    size_t n = out_len - done < HMAC_LENGTH ? out_len - done : HMAC_LENGTH;
    if (ok) memcpy(out + done, t, n);
    done += n;
  }
  OPENSSL_cleanse(prk, sizeof prk);
  OPENSSL_cleanse(t, sizeof t);
  return ok;
}

// protoHkdfSha256(ikm, salt, info, out): void; out.length is L (at most 255 * 32).
static napi_value proto_hkdf(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *ikm, *salt, *inf, *out;
  size_t ikm_len, salt_len, info_len, out_len;
  if (argc < 4 || !get_bytes(env, argv[0], &ikm, &ikm_len) || !get_bytes(env, argv[1], &salt, &salt_len) ||
      !get_bytes(env, argv[2], &inf, &info_len) || !get_bytes(env, argv[3], &out, &out_len) || out_len == 0 || out_len > 255 * HMAC_LENGTH) {
    return throw_args(env, "protoHkdfSha256(ikm, salt, info, out(1..8160)): bad arguments");
  }
  if (!hkdf_sha256(ikm, ikm_len, salt, salt_len, inf, info_len, out, out_len)) {
    OPENSSL_cleanse(out, out_len);
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
