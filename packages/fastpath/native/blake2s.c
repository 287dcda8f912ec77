// BLAKE2s for the WireGuard handshake through the OpenSSL that Node links:
// HASH, the HMAC-based KDF1..3 and the keyed 16-byte MAC (mac1/mac2/cookie).
//
// Why native: a handshake runs about twenty HMACs and ten hashes over a few
// dozen bytes each. Through node:crypto every one is a new Hmac/Hash object
// (about 6 us each here), and Node's blake2s256 cannot take a key, so the
// MACs ran in pure JS. Here one call computes a whole KDF with one reused
// digest context. The BLAKE2s itself is OpenSSL's (EVP_blake2s256 and the
// BLAKE2SMAC EVP_MAC); only the HMAC construction (RFC 2104, a few XORs
// around two hash calls) is written out.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "addon.h"

#define HASH_LENGTH 32
#define BLOCK_LENGTH 64
#define MAX_PARTS 8

// Per thread (a Worker may load the addon too), created on first use and
// kept for the life of the thread. The digest is fetched once: with the
// legacy EVP_blake2s256() every EVP_DigestInit_ex fetched it from the provider
// again (~0.5 us of a ~1 us digest here, and a handshake runs ~40 digests).
static _Thread_local EVP_MD_CTX *md_ctx;
static _Thread_local EVP_MD *md;
static _Thread_local EVP_MAC_CTX *mac_ctx;

static int digest(const uint8_t *const *parts, const size_t *lengths, size_t n, uint8_t out[HASH_LENGTH]) {
  if (md_ctx == NULL && (md_ctx = EVP_MD_CTX_new()) == NULL) return 0;
  if (md == NULL && (md = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL)) == NULL) return 0;
  if (EVP_DigestInit_ex2(md_ctx, md, NULL) != 1) return 0;
  for (size_t i = 0; i < n; i++) {
    if (lengths[i] > 0 && EVP_DigestUpdate(md_ctx, parts[i], lengths[i]) != 1) return 0;
  }
  unsigned int len = 0;
  return EVP_DigestFinal_ex(md_ctx, out, &len) == 1 && len == HASH_LENGTH;
}

// HMAC-BLAKE2s(key, a || b) (RFC 2104, B = 64).
static int hmac(const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                uint8_t out[HASH_LENGTH]) {
  uint8_t k[BLOCK_LENGTH];
  memset(k, 0, sizeof k);
  if (key_len > BLOCK_LENGTH) {
    const uint8_t *p[1] = {key};
    size_t l[1] = {key_len};
    if (!digest(p, l, 1, k)) return 0;
  } else {
    memcpy(k, key, key_len);
  }
  uint8_t pad[BLOCK_LENGTH];
  for (int i = 0; i < BLOCK_LENGTH; i++) pad[i] = k[i] ^ 0x36;
  uint8_t inner[HASH_LENGTH];
  const uint8_t *ip[3] = {pad, a, b};
  size_t il[3] = {BLOCK_LENGTH, a_len, b_len};
  int ok = digest(ip, il, 3, inner);
  for (int i = 0; i < BLOCK_LENGTH; i++) pad[i] = k[i] ^ 0x5c;
  const uint8_t *op[2] = {pad, inner};
  size_t ol[2] = {BLOCK_LENGTH, HASH_LENGTH};
  ok = ok && digest(op, ol, 2, out);
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(inner, sizeof inner);
  return ok;
}

static napi_value fail(napi_env env, const char *what) {
  napi_throw_error(env, "ECRYPTO", what);
  return NULL;
}

// blake2sHash(parts: Uint8Array[]) -> Buffer(32)
static napi_value b2_hash(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  bool is_array = false;
  uint32_t n = 0;
  if (argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &n) != napi_ok || n > MAX_PARTS) {
    napi_throw_type_error(env, "EINVAL", "blake2sHash(parts: Uint8Array[]): bad arguments");
    return NULL;
  }
  uint8_t *parts[MAX_PARTS];
  size_t lengths[MAX_PARTS];
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, argv[0], i, &item) != napi_ok || !get_bytes(env, item, &parts[i], &lengths[i])) {
      napi_throw_type_error(env, "EINVAL", "blake2sHash: every part must be a Uint8Array");
      return NULL;
    }
  }
  uint8_t out[HASH_LENGTH];
  if (!digest((const uint8_t *const *)parts, lengths, n, out)) return fail(env, "blake2sHash: OpenSSL failed");
  napi_value result;
  if (napi_create_buffer_copy(env, HASH_LENGTH, out, NULL, &result) != napi_ok) return NULL;
  return result;
}

// blake2sKdf(key, input, n: 1..3) -> Buffer(32 * n) = T1 || ... || Tn of WireGuard's KDFn:
// T0 = HMAC(key, input), T1 = HMAC(T0, 0x1), Ti = HMAC(T0, Ti-1 || i).
static napi_value b2_kdf(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *key = NULL, *input = NULL;
  size_t key_len = 0, input_len = 0;
  uint32_t n = 0;
  if (argc < 3 || !get_bytes(env, argv[0], &key, &key_len) || !get_bytes(env, argv[1], &input, &input_len) ||
      napi_get_value_uint32(env, argv[2], &n) != napi_ok || n < 1 || n > 3) {
    napi_throw_type_error(env, "EINVAL", "blake2sKdf(key, input, n): bad arguments");
    return NULL;
  }
  uint8_t t0[HASH_LENGTH];
  uint8_t out[3 * HASH_LENGTH];
  int ok = hmac(key, key_len, input, input_len, NULL, 0, t0);
  for (uint32_t i = 1; ok && i <= n; i++) {
    uint8_t counter = (uint8_t)i;
    const uint8_t *prev = i == 1 ? NULL : out + (i - 2) * HASH_LENGTH;
    ok = hmac(t0, HASH_LENGTH, prev, i == 1 ? 0 : HASH_LENGTH, &counter, 1, out + (i - 1) * HASH_LENGTH);
  }
  OPENSSL_cleanse(t0, sizeof t0);
  napi_value result = NULL;
  if (ok) napi_create_buffer_copy(env, (size_t)n * HASH_LENGTH, out, NULL, &result);
  OPENSSL_cleanse(out, sizeof out);
  if (!ok) return fail(env, "blake2sKdf: OpenSSL failed");
  return result;
}

// blake2sMac(key: Uint8Array(1..32), data, length: 1..32) -> Buffer(length): keyed
// BLAKE2s with the digest length in the parameter block (not a truncation).
static napi_value b2_mac(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *key = NULL, *data = NULL;
  size_t key_len = 0, data_len = 0;
  uint32_t length = 0;
  if (argc < 3 || !get_bytes(env, argv[0], &key, &key_len) || key_len < 1 || key_len > HASH_LENGTH ||
      !get_bytes(env, argv[1], &data, &data_len) || napi_get_value_uint32(env, argv[2], &length) != napi_ok || length < 1 ||
      length > HASH_LENGTH) {
    napi_throw_type_error(env, "EINVAL", "blake2sMac(key, data, length): bad arguments");
    return NULL;
  }
  if (mac_ctx == NULL) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
    if (mac == NULL) return fail(env, "blake2sMac: OpenSSL has no BLAKE2SMAC");
    mac_ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);  // the context holds its own reference
    if (mac_ctx == NULL) return fail(env, "blake2sMac: OpenSSL failed");
  }
  size_t size = length;
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
  uint8_t out[HASH_LENGTH];
  size_t out_len = 0;
  if (EVP_MAC_init(mac_ctx, key, key_len, params) != 1 || (data_len > 0 && EVP_MAC_update(mac_ctx, data, data_len) != 1) ||
      EVP_MAC_final(mac_ctx, out, &out_len, sizeof out) != 1 || out_len != length) {
    return fail(env, "blake2sMac: OpenSSL failed");
  }
  napi_value result;
  if (napi_create_buffer_copy(env, length, out, NULL, &result) != napi_ok) return NULL;
  return result;
}

int register_blake2s(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"blake2sHash", NULL, b2_hash, NULL, NULL, NULL, napi_enumerable, NULL},
      {"blake2sKdf", NULL, b2_kdf, NULL, NULL, NULL, napi_enumerable, NULL},
      {"blake2sMac", NULL, b2_mac, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
