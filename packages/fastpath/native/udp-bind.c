// udpOpenAt(address, port, bufferBytes) -> [fd, boundPort]: a UDP socket bound
// to one local address, for servers that must answer from the address a
// request reached (coordd's RFC 5780 STUN uses two addresses x two ports and
// answers CHANGE-REQUESTs from a chosen one). The fd is used with udp.c's
// udpStartPoll/udpSend like udpOpen's; an IPv6 socket is always used in
// dual-stack mode by udpSend (IPv6 records are only sendable that way), and
// is dual-stack for real only when bound to "::".
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#include "addon.h"

#define MAX_ADDRESS_TEXT 64

static void request_buffer(int fd, int force_opt, int opt, int bytes) {
  // As root the FORCE variants pass net.core.{r,w}mem_max; best effort.
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) < 0) setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

static napi_value udp_open_at(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  char text[MAX_ADDRESS_TEXT];
  size_t text_len = 0;
  uint32_t port = 0;
  int32_t buffer_bytes = 0;
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], text, sizeof text, &text_len) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535 || napi_get_value_int32(env, argv[2], &buffer_bytes) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "udpOpenAt(address, port, bufferBytes): bad arguments");
    return NULL;
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len;
  struct sockaddr_in *in = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    len = sizeof *in;
  } else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    len = sizeof *in6;
  } else {
    return throw_errno(env, "udpOpenAt: not an IP address", EINVAL);
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (ss.ss_family == AF_INET6) {
    int v6only = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ? 0 : 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) < 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, "setsockopt IPV6_V6ONLY", err);
    }
  }
  if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  if (buffer_bytes > 0) {
    request_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, buffer_bytes);
    request_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, buffer_bytes);
  }
  len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "getsockname", err);
  }
  uint16_t bound = ntohs(ss.ss_family == AF_INET6 ? in6->sin6_port : in->sin_port);
  napi_value result, fdv, portv;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int32(env, fd, &fdv);
  napi_create_uint32(env, bound, &portv);
  napi_set_element(env, result, 0, fdv);
  napi_set_element(env, result, 1, portv);
  return result;
}

int register_udp_bind(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"udpOpenAt", NULL, udp_open_at, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
