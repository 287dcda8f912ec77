// The Linux TUN device for plug, as a plain Node-API addon (the UDP socket and
// OpenSSL primitives are @plug/fastpath's addon).
//
// Why native at all: Node cannot issue ioctl(TUNSETIFF) or setsockopt(SO_MARK),
// and reading a TUN fd through fs.read parks a threadpool thread in a blocking
// read(), which makes process.exit() hang. Here the fd is non-blocking and
// watched by a uv_poll_t on Node's own event loop; on readability we drain a
// bounded batch with plain read() calls and hand JS one Buffer per turn (the
// packets back to back, their lengths in a shared Uint32Array).
//
// Everything in this file runs on the JS thread; no locking is needed.
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "errno-error.h"

// A TUN frame is at most one IP packet; 64 KiB covers the largest IPv4/IPv6
// (non-jumbo) datagram, so a read can never truncate.
#define MAX_FRAME 65536
// Bounded so one busy device cannot starve the rest of the event loop; the
// poll is level-triggered, so whatever is left fires again next turn.
#define MAX_PACKETS_PER_TURN 128
// A turn's packets are read back to back into this slab and reach JS as one
// Buffer (one allocation per turn, not per packet: per-packet Buffers were
// ~10 % of a sending daemon's CPU in malloc/free). A read only starts with a
// whole MAX_FRAME free, so 128 full-MTU packets fit and nothing truncates.
#define SLAB_SIZE (MAX_PACKETS_PER_TURN * 2048 + MAX_FRAME)

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error((env), "EADDON", "plug_tun: " #call " failed");     \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static int get_int32_arg(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int get_string_arg(napi_env env, napi_value v, char *buf, size_t size, size_t *len) {
  return napi_get_value_string_utf8(env, v, buf, size, len) == napi_ok;
}

// ---------------------------------------------------------------------------
// open(name) -> [fd, actualName]

static napi_value tun_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[64];
  size_t len = 0;
  if (argc < 1 || !get_string_arg(env, argv[0], name, sizeof name, &len)) {
    napi_throw_type_error(env, "EINVAL", "open(name): name must be a string");
    return NULL;
  }
  if (len == 0 || len >= IFNAMSIZ) return throw_errno(env, "TUNSETIFF", ENAMETOOLONG);

  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open /dev/net/tun", errno);

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(ifr.ifr_name, name, len);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "TUNSETIFF", err);
  }

  napi_value result, fdv, namev;
  CHECK(env, napi_create_array_with_length(env, 2, &result));
  CHECK(env, napi_create_int32(env, fd, &fdv));
  CHECK(env, napi_create_string_utf8(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ), &namev));
  CHECK(env, napi_set_element(env, result, 0, fdv));
  CHECK(env, napi_set_element(env, result, 1, namev));
  return result;
}

// adopt(fd) -> actualName: takes over an inherited TUN fd (wireguard-go's
// WG_TUN_FD pattern), checking it really is an IFF_TUN | IFF_NO_PI device so
// every read is exactly one IP packet, and making it non-blocking.
static napi_value tun_adopt(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || !get_int32_arg(env, argv[0], &fd)) {
    napi_throw_type_error(env, "EINVAL", "adopt(fd): fd must be a number");
    return NULL;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (ioctl(fd, TUNGETIFF, &ifr) < 0) return throw_errno(env, "TUNGETIFF", errno);
  if ((ifr.ifr_flags & (IFF_TUN | IFF_TAP)) != IFF_TUN || (ifr.ifr_flags & IFF_NO_PI) == 0) {
    return throw_errno(env, "adopt: not an IFF_TUN | IFF_NO_PI device", EINVAL);
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return throw_errno(env, "fcntl O_NONBLOCK", errno);
  int fdfl = fcntl(fd, F_GETFD);
  if (fdfl < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0) return throw_errno(env, "fcntl FD_CLOEXEC", errno);
  napi_value namev;
  CHECK(env, napi_create_string_utf8(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ), &namev));
  return namev;
}

// close(fd): EBADF is ignored so a double close from JS is harmless.
static napi_value tun_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || !get_int32_arg(env, argv[0], &fd)) {
    napi_throw_type_error(env, "EINVAL", "close(fd): fd must be a number");
    return NULL;
  }
  if (fd >= 0) close(fd);
  return NULL;
}

// ---------------------------------------------------------------------------
// write(fd, packets, stats) -> written
// stats is a Float64Array [written, droppedEagain, droppedError] updated in
// place, so the hot path allocates no result object.

static napi_value tun_write(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  bool is_array = false;
  if (argc < 3 || !get_int32_arg(env, argv[0], &fd) || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, "EINVAL", "write(fd, packets, stats): bad arguments");
    return NULL;
  }
  napi_typedarray_type stype;
  size_t slen = 0;
  void *sdata = NULL;
  if (napi_get_typedarray_info(env, argv[2], &stype, &slen, &sdata, NULL, NULL) != napi_ok ||
      stype != napi_float64_array || slen < 3) {
    napi_throw_type_error(env, "EINVAL", "write: stats must be a Float64Array(3)");
    return NULL;
  }
  double *stats = (double *)sdata;

  uint32_t count = 0;
  CHECK(env, napi_get_array_length(env, argv[1], &count));
  uint32_t written = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    CHECK(env, napi_get_element(env, argv[1], i, &item));
    napi_typedarray_type type;
    size_t length = 0;
    void *data = NULL;
    if (napi_get_typedarray_info(env, item, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
      napi_throw_type_error(env, "EINVAL", "write: every packet must be a Uint8Array");
      return NULL;
    }
    ssize_t r;
    do {
      r = write(fd, data, length);
    } while (r < 0 && errno == EINTR);
    if (r >= 0) {
      written++;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // The kernel's queue is full: a router drops rather than blocks, and
      // the rest of this batch would meet the same full queue.
      stats[1] += (double)(count - i);
      break;
    } else {
      // e.g. EINVAL for a frame that is not an IP packet: drop this one only.
      stats[2] += 1;
    }
  }
  stats[0] += (double)written;
  napi_value result;
  CHECK(env, napi_create_uint32(env, written, &result));
  return result;
}

// ---------------------------------------------------------------------------
// startPoll(fd, onPackets, onError) -> handle; stopPoll(handle)

typedef struct poller poller_t;

// What the JS handle points to. It outlives the poller (freed by the
// external's finalizer) so a stopPoll after close or after a fatal error sees
// NULL instead of freed memory.
typedef struct {
  poller_t *poller;
} poll_box_t;

struct poller {
  uv_poll_t handle;
  napi_env env;
  napi_ref on_packets;
  napi_ref on_error;
  napi_ref lengths_ref;  // keeps the Uint32Array `lengths` points into alive
  uint32_t *lengths;
  napi_async_context async_ctx;
  napi_async_cleanup_hook_handle cleanup;
  poll_box_t *box;
  int fd;
  int closing;
  unsigned char slab[SLAB_SIZE];
};

static void poller_free_after_close(uv_handle_t *h) {
  poller_t *p = (poller_t *)h->data;
  free(p);
}

static void poller_free_after_env_cleanup(uv_handle_t *h) {
  poller_t *p = (poller_t *)h->data;
  napi_remove_async_cleanup_hook(p->cleanup);
  free(p);
}

// Stops watching and releases JS references; the fd itself belongs to JS.
static void poller_stop(poller_t *p) {
  if (p->closing) return;
  p->closing = 1;
  if (p->box != NULL) p->box->poller = NULL;
  uv_poll_stop(&p->handle);
  napi_delete_reference(p->env, p->on_packets);
  napi_delete_reference(p->env, p->on_error);
  napi_delete_reference(p->env, p->lengths_ref);
  napi_async_destroy(p->env, p->async_ctx);
  napi_remove_async_cleanup_hook(p->cleanup);
  uv_close((uv_handle_t *)&p->handle, poller_free_after_close);
}

// Environment teardown (e.g. a Worker exiting with the device open): close
// the handle so the loop can shut down; JS can no longer be called.
static void poller_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  poller_t *p = (poller_t *)arg;
  if (p->closing) return;
  p->closing = 1;
  if (p->box != NULL) p->box->poller = NULL;
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t *)&p->handle, poller_free_after_env_cleanup);
}

static void call_js(poller_t *p, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = p->env;
  napi_value fn, recv, ignored;
  if (napi_get_reference_value(env, fn_ref, &fn) != napi_ok || fn == NULL) return;
  napi_get_global(env, &recv);
  if (napi_make_callback(env, p->async_ctx, recv, fn, argc, argv, &ignored) != napi_ok) {
    // A throwing handler behaves like any throwing event-loop callback.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc);
    }
  }
}

static void report_fatal(poller_t *p, napi_value error) {
  // Grab the handler before stopping (stopping deletes the reference).
  napi_value fn = NULL;
  napi_get_reference_value(p->env, p->on_error, &fn);
  napi_ref keep = NULL;
  if (fn != NULL) napi_create_reference(p->env, fn, 1, &keep);
  napi_async_context ctx = p->async_ctx;
  // Keep the async context alive for the call below; destroy it afterwards.
  p->async_ctx = NULL;
  poller_stop(p);
  if (keep != NULL) {
    napi_value recv, ignored;
    napi_get_global(p->env, &recv);
    if (napi_make_callback(p->env, ctx, recv, fn, 1, &error, &ignored) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(p->env, &pending);
      if (pending) {
        napi_value exc;
        napi_get_and_clear_last_exception(p->env, &exc);
        napi_fatal_exception(p->env, exc);
      }
    }
    napi_delete_reference(p->env, keep);
  }
  if (ctx != NULL) napi_async_destroy(p->env, ctx);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  poller_t *p = (poller_t *)handle->data;
  if (p->closing) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;

  int fatal = 0;
  const char *fatal_op = "read";
  uint32_t n = 0;
  size_t used = 0;
  // Even on a poll error, read: the read's errno says what happened (EBADFD
  // once the interface is deleted), and queued packets still get delivered.
  while (n < MAX_PACKETS_PER_TURN && SLAB_SIZE - used >= MAX_FRAME) {
    ssize_t r = read(p->fd, p->slab + used, MAX_FRAME);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fatal = errno;
      break;
    }
    if (r == 0) break;
    p->lengths[n++] = (uint32_t)r;
    used += (size_t)r;
  }
  if (n > 0) {
    napi_value argv[2];
    if (napi_create_buffer_copy(env, used, p->slab, NULL, &argv[0]) == napi_ok &&
        napi_create_uint32(env, n, &argv[1]) == napi_ok) {
      call_js(p, p->on_packets, 2, argv);
    }
  }
  if (!fatal && status < 0) {
    fatal = -status;  // libuv errors on Linux are negated errno values
    fatal_op = "poll";
  }
  // The packets handler may have closed the device.
  if (fatal && !p->closing) report_fatal(p, make_errno_error(env, fatal_op, fatal));
  napi_close_handle_scope(env, scope);
}

static void box_finalize(napi_env env, void *data, void *hint) {
  poll_box_t *box = (poll_box_t *)data;
  if (box->poller != NULL) box->poller->box = NULL;
  free(box);
}

static napi_value tun_start_poll(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  napi_valuetype t1 = napi_undefined, t2 = napi_undefined;
  napi_typedarray_type ltype = napi_uint8_array;
  size_t llen = 0;
  void *ldata = NULL;
  if (argc >= 4) {
    napi_typeof(env, argv[2], &t1);
    napi_typeof(env, argv[3], &t2);
  }
  if (argc < 4 || !get_int32_arg(env, argv[0], &fd) || t1 != napi_function || t2 != napi_function ||
      napi_get_typedarray_info(env, argv[1], &ltype, &llen, &ldata, NULL, NULL) != napi_ok || ltype != napi_uint32_array ||
      llen < MAX_PACKETS_PER_TURN) {
    napi_throw_type_error(env, "EINVAL", "startPoll(fd, lengths: Uint32Array(128), onPackets, onError): bad arguments");
    return NULL;
  }
  uv_loop_t *loop = NULL;
  CHECK(env, napi_get_uv_event_loop(env, &loop));

  poller_t *p = (poller_t *)calloc(1, sizeof *p);
  poll_box_t *box = (poll_box_t *)calloc(1, sizeof *box);
  if (p == NULL || box == NULL) {
    free(p);
    free(box);
    return throw_errno(env, "startPoll", ENOMEM);
  }
  p->env = env;
  p->fd = fd;
  p->box = box;
  box->poller = p;
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc < 0) {
    free(p);
    free(box);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  p->handle.data = p;
  napi_value resource_name;
  napi_create_string_utf8(env, "plug:tun", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &p->async_ctx);
  p->lengths = (uint32_t *)ldata;
  napi_create_reference(env, argv[1], 1, &p->lengths_ref);
  napi_create_reference(env, argv[2], 1, &p->on_packets);
  napi_create_reference(env, argv[3], 1, &p->on_error);
  napi_add_async_cleanup_hook(env, poller_env_cleanup, p, &p->cleanup);

  rc = uv_poll_start(&p->handle, UV_READABLE, on_poll);
  if (rc < 0) {
    poller_stop(p);
    free(box);
    return throw_errno(env, "uv_poll_start", -rc);
  }
  napi_value external;
  if (napi_create_external(env, box, box_finalize, NULL, &external) != napi_ok) {
    poller_stop(p);
    free(box);
    napi_throw_error(env, "EADDON", "startPoll: cannot create handle");
    return NULL;
  }
  return external;
}

static napi_value tun_stop_poll(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "stopPoll(handle): bad handle");
    return NULL;
  }
  poll_box_t *box = (poll_box_t *)data;
  if (box->poller != NULL) poller_stop(box->poller);
  return NULL;
}

// ---------------------------------------------------------------------------
// setMtu(name, mtu) / getMtu(name) / setUp(name): interface settings through
// ioctl on a throwaway datagram socket, so the daemon need not shell out.

static int ifreq_from_name(napi_env env, napi_value v, struct ifreq *ifr) {
  char name[64];
  size_t len = 0;
  if (!get_string_arg(env, v, name, sizeof name, &len) || len == 0 || len >= IFNAMSIZ) return 0;
  memset(ifr, 0, sizeof *ifr);
  memcpy(ifr->ifr_name, name, len);
  return 1;
}

static int ifioctl(unsigned long req, struct ifreq *ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  int rc = ioctl(s, req, ifr) < 0 ? errno : 0;
  close(s);
  return rc;
}

static napi_value tun_set_mtu(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct ifreq ifr;
  int32_t mtu;
  if (argc < 2 || !ifreq_from_name(env, argv[0], &ifr) || !get_int32_arg(env, argv[1], &mtu)) {
    napi_throw_type_error(env, "EINVAL", "setMtu(name, mtu): bad arguments");
    return NULL;
  }
  ifr.ifr_mtu = mtu;
  int err = ifioctl(SIOCSIFMTU, &ifr);
  if (err) return throw_errno(env, "SIOCSIFMTU", err);
  return NULL;
}

static napi_value tun_get_mtu(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct ifreq ifr;
  if (argc < 1 || !ifreq_from_name(env, argv[0], &ifr)) {
    napi_throw_type_error(env, "EINVAL", "getMtu(name): bad arguments");
    return NULL;
  }
  int err = ifioctl(SIOCGIFMTU, &ifr);
  if (err) return throw_errno(env, "SIOCGIFMTU", err);
  napi_value result;
  CHECK(env, napi_create_int32(env, ifr.ifr_mtu, &result));
  return result;
}

static napi_value tun_set_up(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct ifreq ifr;
  if (argc < 1 || !ifreq_from_name(env, argv[0], &ifr)) {
    napi_throw_type_error(env, "EINVAL", "setUp(name): bad arguments");
    return NULL;
  }
  int err = ifioctl(SIOCGIFFLAGS, &ifr);
  if (err) return throw_errno(env, "SIOCGIFFLAGS", err);
  ifr.ifr_flags |= IFF_UP;
  err = ifioctl(SIOCSIFFLAGS, &ifr);
  if (err) return throw_errno(env, "SIOCSIFFLAGS", err);
  return NULL;
}

// ---------------------------------------------------------------------------

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, tun_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adopt", NULL, tun_adopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, tun_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"write", NULL, tun_write, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startPoll", NULL, tun_start_poll, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopPoll", NULL, tun_stop_poll, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMtu", NULL, tun_set_mtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getMtu", NULL, tun_get_mtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setUp", NULL, tun_set_up, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
