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

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = (uint8_t *)ptr;
  return 1;
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

int register_aead(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"aeadCreate", NULL, aead_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadSealTransport", NULL, aead_seal_transport, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadOpenTransport", NULL, aead_open_transport, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadDestroy", NULL, aead_destroy, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
