// ChaCha20-Poly1305 for WireGuard transport messages, through the OpenSSL
// that Node itself links and exports (its EVP API, not our own cipher code).
//
// Why here and not node:crypto: createCipheriv builds a new cipher object per
// packet (key import, provider lookup, a JS object, three more crossings for
// update/final/getAuthTag). A keypair's key never changes, so one
// EVP_CIPHER_CTX per direction is keyed once and only re-IV'd per packet; a
// seal or open is then one N-API call that works in place on the datagram.
//
// The nonce is read from the message itself (bytes 8..16, the little-endian
// counter, after 4 zero bytes), so counters never cross as bigint or double.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "addon.h"

#define KEY_LENGTH 32
#define TAG_LENGTH 16
#define HEADER_LENGTH 16

typedef struct {
  EVP_CIPHER_CTX *ctx;
  int encrypt;
} aead_t;

static void aead_finalize(napi_env env, void *data, void *hint) {
  aead_t *a = (aead_t *)data;
  // Frees (and cleanses) the expanded key state, unless aeadDestroy already did.
  if (a->ctx != NULL) EVP_CIPHER_CTX_free(a->ctx);
  free(a);
}

// aeadCreate(key: Uint8Array(32), encrypt: boolean) -> handle
static napi_value aead_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *key = NULL;
  size_t key_length = 0;
  bool encrypt = false;
  if (argc < 2 || !get_bytes(env, argv[0], &key, &key_length) || key_length != KEY_LENGTH ||
      napi_get_value_bool(env, argv[1], &encrypt) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "aeadCreate(key: Uint8Array(32), encrypt: boolean): bad arguments");
    return NULL;
  }
  aead_t *a = (aead_t *)calloc(1, sizeof *a);
  if (a == NULL) return throw_errno(env, "aeadCreate", ENOMEM);
  a->encrypt = encrypt ? 1 : 0;
  a->ctx = EVP_CIPHER_CTX_new();
  static const uint8_t zero_nonce[12] = {0};
  if (a->ctx == NULL || EVP_CipherInit_ex(a->ctx, EVP_chacha20_poly1305(), NULL, key, zero_nonce, a->encrypt) != 1) {
    if (a->ctx != NULL) EVP_CIPHER_CTX_free(a->ctx);
    free(a);
    napi_throw_error(env, "ECRYPTO", "aeadCreate: OpenSSL could not set up chacha20-poly1305");
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, a, aead_finalize, NULL, &handle) != napi_ok) {
    EVP_CIPHER_CTX_free(a->ctx);
    free(a);
    napi_throw_error(env, "EADDON", "aeadCreate: cannot create handle");
    return NULL;
  }
  return handle;
}

static aead_t *get_aead(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return (aead_t *)data;
}

// aeadDestroy(handle): wipes and frees the key state now (WireGuard's
// zero_key_material) instead of whenever the GC collects the handle. Sealing
// with a destroyed handle throws; opening fails like a bad tag.
static napi_value aead_destroy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  aead_t *a = argc >= 1 ? get_aead(env, argv[0]) : NULL;
  if (a == NULL) {
    napi_throw_type_error(env, "EINVAL", "aeadDestroy(handle): bad handle");
    return NULL;
  }
  if (a->ctx != NULL) EVP_CIPHER_CTX_free(a->ctx);
  a->ctx = NULL;
  return NULL;
}

static int set_nonce(aead_t *a, const uint8_t *counter_le) {
  uint8_t nonce[12];
  memset(nonce, 0, 4);
  memcpy(nonce + 4, counter_le, 8);
  return EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, nonce, a->encrypt) == 1;
}

// aeadSealTransport(handle, message: Uint8Array, plaintextLength: number): void
// message = 16-byte header (counter at 8..16) | plaintext | 16 bytes for the tag;
// the plaintext is encrypted in place and the tag written after it.
static napi_value aead_seal_transport(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  aead_t *a = argc >= 3 ? get_aead(env, argv[0]) : NULL;
  uint8_t *msg = NULL;
  size_t length = 0;
  uint32_t body = 0;
  if (a == NULL || a->ctx == NULL || !a->encrypt || !get_bytes(env, argv[1], &msg, &length) ||
      napi_get_value_uint32(env, argv[2], &body) != napi_ok || (size_t)body + HEADER_LENGTH + TAG_LENGTH > length) {
    napi_throw_type_error(env, "EINVAL", "aeadSealTransport(sealer, message, length): bad arguments");
    return NULL;
  }
  int outl = 0, finl = 0;
  uint8_t *p = msg + HEADER_LENGTH;
  if (!set_nonce(a, msg + 8) || (body > 0 && EVP_CipherUpdate(a->ctx, p, &outl, p, (int)body) != 1) ||
      EVP_CipherFinal_ex(a->ctx, p + outl, &finl) != 1 ||
      EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH, p + body) != 1) {
    napi_throw_error(env, "ECRYPTO", "aeadSealTransport: OpenSSL failed");
    return NULL;
  }
  return NULL;
}

// aeadOpenTransport(handle, message: Uint8Array) -> plaintext length, or -1
// when the tag does not verify (or the message is too short). Decrypts in
// place: on failure the body holds garbage, and the caller drops it.
static napi_value aead_open_transport(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  aead_t *a = argc >= 2 ? get_aead(env, argv[0]) : NULL;
  uint8_t *msg = NULL;
  size_t length = 0;
  if (a == NULL || a->encrypt || !get_bytes(env, argv[1], &msg, &length)) {
    napi_throw_type_error(env, "EINVAL", "aeadOpenTransport(opener, message): bad arguments");
    return NULL;
  }
  int32_t result = -1;
  if (a->ctx != NULL && length >= HEADER_LENGTH + TAG_LENGTH) {
    size_t body = length - HEADER_LENGTH - TAG_LENGTH;
    uint8_t *p = msg + HEADER_LENGTH;
    int outl = 0, finl = 0;
    if (set_nonce(a, msg + 8) && EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH, p + body) == 1 &&
        (body == 0 || EVP_CipherUpdate(a->ctx, p, &outl, p, (int)body) == 1) &&
        EVP_CipherFinal_ex(a->ctx, p + outl, &finl) == 1) {
      result = (int32_t)body;
    }
  }
  napi_value out;
  napi_create_int32(env, result, &out);
  return out;
}

// One-shot seal/open for the handshake's AEADs (message 1's static and
// timestamp, message 2's empty payload): a fresh key each, under 50 bytes.
// createCipheriv spent ~10-13 us on each (key import, provider fetch, a JS
// object, four crossings); here one thread-local context and a cipher fetched
// once make it one call. The context is reset after every use, so no key
// schedule stays behind.
static _Thread_local EVP_CIPHER_CTX *once_ctx;
static _Thread_local EVP_CIPHER *once_cipher;

static EVP_CIPHER_CTX *once_context(void) {
  if (once_cipher == NULL && (once_cipher = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL)) == NULL) return NULL;
  if (once_ctx == NULL) once_ctx = EVP_CIPHER_CTX_new();
  return once_ctx;
}

#define NONCE_LENGTH 12

// aeadSealOnce(key(32), nonce(12), aad, plaintext, out(plaintext + 16)): void
// (aeadOpenOnce: out = sealed - 16; returns false when the tag does not verify.)
static napi_value aead_once(napi_env env, napi_callback_info info, int encrypt) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *key = NULL, *nonce = NULL, *aad = NULL, *in = NULL, *out = NULL;
  size_t key_len = 0, nonce_len = 0, aad_len = 0, in_len = 0, out_len = 0;
  if (argc < 5 || !get_bytes(env, argv[0], &key, &key_len) || key_len != KEY_LENGTH || !get_bytes(env, argv[1], &nonce, &nonce_len) ||
      nonce_len != NONCE_LENGTH || !get_bytes(env, argv[2], &aad, &aad_len) || !get_bytes(env, argv[3], &in, &in_len) ||
      !get_bytes(env, argv[4], &out, &out_len) || in_len > INT32_MAX || aad_len > INT32_MAX ||
      (encrypt ? out_len != in_len + TAG_LENGTH : in_len < TAG_LENGTH || out_len != in_len - TAG_LENGTH)) {
    napi_throw_type_error(env, "EINVAL", encrypt ? "aeadSealOnce(key, nonce, aad, plaintext, out): bad arguments"
                                                 : "aeadOpenOnce(key, nonce, aad, sealed, out): bad arguments");
    return NULL;
  }
  EVP_CIPHER_CTX *ctx = once_context();
  if (ctx == NULL) {
    napi_throw_error(env, "ECRYPTO", "aeadOnce: OpenSSL could not set up chacha20-poly1305");
    return NULL;
  }
  size_t body = encrypt ? in_len : in_len - TAG_LENGTH;
  int outl = 0, finl = 0;
  int ok = EVP_CipherInit_ex2(ctx, once_cipher, key, nonce, encrypt, NULL) == 1 &&
           (encrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH, in + body) == 1) &&
           (aad_len == 0 || EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) == 1) &&
           (body == 0 || EVP_CipherUpdate(ctx, out, &outl, in, (int)body) == 1) &&
           EVP_CipherFinal_ex(ctx, out + (body == 0 ? 0 : outl), &finl) == 1 &&
           (!encrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH, out + body) == 1);
  EVP_CIPHER_CTX_reset(ctx);
  if (!ok && encrypt) {
    napi_throw_error(env, "ECRYPTO", "aeadSealOnce: OpenSSL failed");
    return NULL;
  }
  if (!ok) OPENSSL_cleanse(out, out_len);
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

static napi_value aead_seal_once(napi_env env, napi_callback_info info) { return aead_once(env, info, 1); }
static napi_value aead_open_once(napi_env env, napi_callback_info info) { return aead_once(env, info, 0); }

int register_aead(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"aeadCreate", NULL, aead_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadSealTransport", NULL, aead_seal_transport, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadOpenTransport", NULL, aead_open_transport, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadDestroy", NULL, aead_destroy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadSealOnce", NULL, aead_seal_once, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadOpenOnce", NULL, aead_open_once, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
