// setSocketMark(fd, mark) / getSocketMark(fd): SO_MARK for wg's fwmark, which
// Node's dgram does not expose; wg-quick's policy routing relies on it to keep
// the tunnel's own UDP traffic out of the tunnel.
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addon.h"

#define CHECK(env, call)                                                    \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error((env), "EADDON", "plug_fastpath: " #call " failed"); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static int get_int32_arg(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out) == napi_ok; }


static napi_value set_socket_mark(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t mark;
  if (argc < 2 || !get_int32_arg(env, argv[0], &fd) || napi_get_value_uint32(env, argv[1], &mark) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "setSocketMark(fd, mark): bad arguments");
    return NULL;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) return throw_errno(env, "setsockopt SO_MARK", errno);
  return NULL;
}

static napi_value get_socket_mark(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || !get_int32_arg(env, argv[0], &fd)) {
    napi_throw_type_error(env, "EINVAL", "getSocketMark(fd): bad arguments");
    return NULL;
  }
  uint32_t mark = 0;
  socklen_t len = sizeof mark;
  if (getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len) < 0) return throw_errno(env, "getsockopt SO_MARK", errno);
  napi_value result;
  CHECK(env, napi_create_uint32(env, mark, &result));
  return result;
}

int register_socket_mark(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"setSocketMark", NULL, set_socket_mark, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getSocketMark", NULL, get_socket_mark, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
