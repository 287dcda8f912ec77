// The WireGuard UDP socket, owned by the addon so that receive and send can be
// batched: recvmmsg drains up to RECV_BATCH datagrams per event-loop wakeup
// into one JS call, and sendmmsg sends a whole batch in one syscall. Node's
// dgram does one syscall and one JS callback per datagram and validates the
// address string on every send.
//
// Like the TUN fd, the socket is non-blocking and watched by a uv_poll_t on
// Node's loop; everything here runs on the JS thread.
//
// Addresses cross the boundary as 32-byte records (layout below) instead of
// strings: JS caches the Endpoint for a record, so a steady flow from one peer
// costs no string work at all.
#define _GNU_SOURCE  // recvmmsg, sendmmsg, struct mmsghdr
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "addon.h"
#include "fd-poll.h"

// Record: [0..4) datagram length (u32 LE, receive only), [4..6) port (u16 LE),
// [6] family (4 or 6), [8..24) address (IPv4 in the first 4 bytes),
// [24..28) IPv6 scope id (u32 LE). IPv4-mapped IPv6 sources are reported as 4.
#define RECORD_SIZE 32
// One wakeup drains at most this many datagrams; the poll is level-triggered,
// so the rest fire on the next turn and other handles get their share.
#define RECV_BATCH 64
// Big enough for any UDP datagram: nothing is ever truncated.
#define RECV_SLOT 65536
#define SEND_CHUNK 64

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static const uint8_t V4_MAPPED_PREFIX[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void record_from_sockaddr(uint8_t *rec, const struct sockaddr_storage *ss) {
  memset(rec + 4, 0, RECORD_SIZE - 4);
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    uint16_t port = ntohs(in->sin_port);
    rec[4] = (uint8_t)port;
    rec[5] = (uint8_t)(port >> 8);
    rec[6] = 4;
    memcpy(rec + 8, &in->sin_addr, 4);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    uint16_t port = ntohs(in6->sin6_port);
    rec[4] = (uint8_t)port;
    rec[5] = (uint8_t)(port >> 8);
    if (memcmp(in6->sin6_addr.s6_addr, V4_MAPPED_PREFIX, 12) == 0) {
      rec[6] = 4;
      memcpy(rec + 8, in6->sin6_addr.s6_addr + 12, 4);
    } else {
      rec[6] = 6;
      memcpy(rec + 8, in6->sin6_addr.s6_addr, 16);
      put_u32(rec + 24, in6->sin6_scope_id);
    }
  }
}

// 0 when the record cannot be sent from this socket (IPv6 on an IPv4 socket).
static socklen_t sockaddr_from_record(struct sockaddr_storage *ss, const uint8_t *rec, int dual_stack) {
  memset(ss, 0, sizeof *ss);
  uint16_t port = (uint16_t)(rec[4] | (rec[5] << 8));
  if (rec[6] == 4 && !dual_stack) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    memcpy(&in->sin_addr, rec + 8, 4);
    return sizeof *in;
  }
  if (!dual_stack) return 0;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  if (rec[6] == 4) {
    memcpy(in6->sin6_addr.s6_addr, V4_MAPPED_PREFIX, 12);
    memcpy(in6->sin6_addr.s6_addr + 12, rec + 8, 4);
  } else {
    memcpy(in6->sin6_addr.s6_addr, rec + 8, 16);
    in6->sin6_scope_id = get_u32(rec + 24);
  }
  return sizeof *in6;
}

static void set_buffer(int fd, int force_opt, int opt, int bytes) {
  // As root the FORCE variants pass net.core.{r,w}mem_max; otherwise the
  // kernel caps the plain request there. Best effort either way.
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) < 0) setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

// ---------------------------------------------------------------------------
// udpOpen(port, ipv6, bufferBytes) -> [fd, boundPort]
// ipv6: an AF_INET6 socket with IPV6_V6ONLY off (dual-stack); else AF_INET.

// Creates a non-blocking socket for ss's family, sets IPV6_V6ONLY to v6only
// (IPv6 only; -1 leaves it), binds ss, requests buffers, and returns
// [fd, boundPort] (or throws with the failing call's errno).
static napi_value open_bound(napi_env env, struct sockaddr_storage *ss, socklen_t len, int v6only, int32_t buffer_bytes) {
  int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (ss->ss_family == AF_INET6 && v6only >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt IPV6_V6ONLY", err);
  }
  if (bind(fd, (struct sockaddr *)ss, len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  if (buffer_bytes > 0) {
    set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, buffer_bytes);
    set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, buffer_bytes);
  }
  len = sizeof *ss;
  if (getsockname(fd, (struct sockaddr *)ss, &len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "getsockname", err);
  }
  uint16_t bound = ntohs(ss->ss_family == AF_INET6 ? ((struct sockaddr_in6 *)ss)->sin6_port : ((struct sockaddr_in *)ss)->sin_port);
  napi_value result, fdv, portv;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int32(env, fd, &fdv);
  napi_create_uint32(env, bound, &portv);
  napi_set_element(env, result, 0, fdv);
  napi_set_element(env, result, 1, portv);
  return result;
}

static napi_value udp_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint32_t port = 0;
  bool ipv6 = false;
  int32_t buffer_bytes = 0;
  if (argc < 3 || napi_get_value_uint32(env, argv[0], &port) != napi_ok || port > 65535 ||
      napi_get_value_bool(env, argv[1], &ipv6) != napi_ok || napi_get_value_int32(env, argv[2], &buffer_bytes) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "udpOpen(port, ipv6, bufferBytes): bad arguments");
    return NULL;
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  if (ipv6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    in6->sin6_addr = in6addr_any;
    return open_bound(env, &ss, sizeof *in6, 0, buffer_bytes);
  }
  struct sockaddr_in *in = (struct sockaddr_in *)&ss;
  in->sin_family = AF_INET;
  in->sin_port = htons((uint16_t)port);
  in->sin_addr.s_addr = htonl(INADDR_ANY);
  return open_bound(env, &ss, sizeof *in, -1, buffer_bytes);
}

// ---------------------------------------------------------------------------
// udpOpenAt(address, port, bufferBytes) -> [fd, boundPort]: a UDP socket bound
// to one local address, for servers that must answer from the address a
// request reached (coordd's RFC 5780 STUN uses two addresses x two ports and
// answers CHANGE-REQUESTs from a chosen one). The fd is used with
// udpStartPoll/udpSend like udpOpen's; an IPv6 socket is always used in
// dual-stack mode by udpSend (IPv6 records are only sendable that way), and is
// dual-stack for real only when bound to "::".

#define MAX_ADDRESS_TEXT 64

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
  struct sockaddr_in *in = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    return open_bound(env, &ss, sizeof *in, -1, buffer_bytes);
  }
  if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    return open_bound(env, &ss, sizeof *in6, IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ? 0 : 1, buffer_bytes);
  }
  return throw_errno(env, "udpOpenAt: not an IP address", EINVAL);
}

// ---------------------------------------------------------------------------
// udpEncodeAddress(address: string, port, record: Uint8Array(32)) -> boolean
// For the send side, once per new endpoint: inet_pton plus "%zone" (an
// interface name or number) for link-local IPv6.

static napi_value udp_encode_address(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t text_len = 0;
  uint32_t port = 0;
  uint8_t *rec = NULL;
  size_t rec_len = 0;
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], text, sizeof text, &text_len) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535 || !get_bytes(env, argv[2], &rec, &rec_len) ||
      rec_len < RECORD_SIZE) {
    napi_throw_type_error(env, "EINVAL", "udpEncodeAddress(address, port, record): bad arguments");
    return NULL;
  }
  memset(rec, 0, RECORD_SIZE);
  rec[4] = (uint8_t)port;
  rec[5] = (uint8_t)(port >> 8);
  bool ok = false;
  char *zone = strchr(text, '%');
  if (zone != NULL) *zone++ = '\0';
  if (zone == NULL && inet_pton(AF_INET, text, rec + 8) == 1) {
    rec[6] = 4;
    ok = true;
  } else if (inet_pton(AF_INET6, text, rec + 8) == 1) {
    rec[6] = 6;
    ok = true;
    if (zone != NULL && *zone != '\0') {
      char *end = NULL;
      unsigned long idx = strtoul(zone, &end, 10);
      uint32_t scope = (end != NULL && *end == '\0') ? (uint32_t)idx : if_nametoindex(zone);
      ok = scope != 0;
      put_u32(rec + 24, scope);
    }
    if (ok && memcmp(rec + 8, V4_MAPPED_PREFIX, 12) == 0) {
      memmove(rec + 8, rec + 20, 4);
      memset(rec + 12, 0, 12);
      rec[6] = 4;
    }
  }
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

// udpDecodeAddress(record: Uint8Array, offset) -> address text (IPv6 with
// "%ifname" when it has a scope); the JS side caches it per source.
static napi_value udp_decode_address(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *data = NULL;
  size_t len = 0;
  uint32_t offset = 0;
  if (argc < 2 || !get_bytes(env, argv[0], &data, &len) || napi_get_value_uint32(env, argv[1], &offset) != napi_ok ||
      (size_t)offset + RECORD_SIZE > len) {
    napi_throw_type_error(env, "EINVAL", "udpDecodeAddress(records, offset): bad arguments");
    return NULL;
  }
  const uint8_t *rec = data + offset;
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (inet_ntop(rec[6] == 4 ? AF_INET : AF_INET6, rec + 8, text, INET6_ADDRSTRLEN) == NULL) text[0] = '\0';
  uint32_t scope = get_u32(rec + 24);
  if (rec[6] == 6 && scope != 0) {
    char name[IF_NAMESIZE];
    size_t n = strlen(text);
    if (if_indextoname(scope, name) != NULL) snprintf(text + n, sizeof text - n, "%%%s", name);
    else snprintf(text + n, sizeof text - n, "%%%u", scope);
  }
  napi_value result;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result);
  return result;
}

// ---------------------------------------------------------------------------
// udpSend(fd, dualStack, datagrams: Uint8Array[], records: Uint8Array, count, stats, gso) -> sent
// stats: Float64Array [sent, droppedFull (EAGAIN), errors, lastErrno, gsoFailed], in place.
//
// With gso, consecutive datagrams to the same address with the same length
// (the last of a run may be shorter) go out as one UDP_SEGMENT message: the
// kernel walks its UDP/IP send path once per run and splits it late (in the
// NIC, or in software just before the driver). Receivers see ordinary
// datagrams. If the kernel refuses a segmented message, its datagrams are
// sent one by one and stats[4] is set so the caller stops asking.

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
// The kernel's UDP_MAX_SEGMENTS is 64 on older kernels.
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 65000

typedef struct {
  struct mmsghdr msgs[SEND_CHUNK];
  struct iovec iovs[SEND_CHUNK];
  struct sockaddr_storage addrs[SEND_CHUNK];
  char ctrl[SEND_CHUNK][CMSG_SPACE(sizeof(uint16_t))];
  uint32_t segments[SEND_CHUNK];
  const uint8_t *record[SEND_CHUNK];
} send_chunk_t;

static void set_gso(send_chunk_t *c, uint32_t m, uint16_t size) {
  struct msghdr *h = &c->msgs[m].msg_hdr;
  h->msg_control = c->ctrl[m];
  h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
  struct cmsghdr *cm = CMSG_FIRSTHDR(h);
  cm->cmsg_level = SOL_UDP;
  cm->cmsg_type = UDP_SEGMENT;
  cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  memcpy(CMSG_DATA(cm), &size, sizeof size);
}

// Sends the segments of message m one by one after the kernel refused it segmented.
static uint32_t send_unsegmented(int fd, send_chunk_t *c, uint32_t m, double *stats) {
  struct msghdr *h = &c->msgs[m].msg_hdr;
  uint32_t sent = 0;
  for (size_t k = 0; k < h->msg_iovlen; k++) {
    struct msghdr one;
    memset(&one, 0, sizeof one);
    one.msg_name = h->msg_name;
    one.msg_namelen = h->msg_namelen;
    one.msg_iov = &h->msg_iov[k];
    one.msg_iovlen = 1;
    ssize_t r;
    do {
      r = sendmsg(fd, &one, 0);
    } while (r < 0 && errno == EINTR);
    if (r >= 0) {
      sent++;
    } else {
      stats[2] += 1;
      stats[3] = errno;
    }
  }
  return sent;
}

static napi_value udp_send(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd = -1;
  bool dual_stack = false;
  bool is_array = false;
  bool gso = false;
  uint8_t *records = NULL;
  size_t records_len = 0;
  uint32_t count = 0;
  napi_typedarray_type stype;
  size_t slen = 0;
  void *sdata = NULL;
  if (argc < 7 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_bool(env, argv[1], &dual_stack) != napi_ok ||
      napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array || !get_bytes(env, argv[3], &records, &records_len) ||
      napi_get_value_uint32(env, argv[4], &count) != napi_ok || (size_t)count * RECORD_SIZE > records_len ||
      napi_get_typedarray_info(env, argv[5], &stype, &slen, &sdata, NULL, NULL) != napi_ok || stype != napi_float64_array ||
      slen < 5 || napi_get_value_bool(env, argv[6], &gso) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "udpSend(fd, dualStack, datagrams, records, count, stats, gso): bad arguments");
    return NULL;
  }
  double *stats = (double *)sdata;
  static _Thread_local send_chunk_t chunk;  // too big for the stack; per thread for Workers
  send_chunk_t *c = &chunk;
  uint32_t sent_total = 0;
  uint32_t i = 0;
  while (i < count) {
    // Fill a chunk of up to SEND_CHUNK datagrams; datagrams with an unusable
    // address are counted as errors and skipped.
    uint32_t n = 0;     // messages
    uint32_t used = 0;  // iovecs
    size_t run_bytes = 0;
    int run_open = 0;   // the last message may take more segments
    while (used < SEND_CHUNK && i < count) {
      napi_value item;
      uint8_t *data = NULL;
      size_t length = 0;
      if (napi_get_element(env, argv[2], i, &item) != napi_ok || !get_bytes(env, item, &data, &length)) {
        napi_throw_type_error(env, "EINVAL", "udpSend: every datagram must be a Uint8Array");
        return NULL;
      }
      const uint8_t *rec = records + (size_t)i * RECORD_SIZE;
      i++;
      if (gso && run_open && n > 0 && length > 0 && memcmp(rec + 4, c->record[n - 1] + 4, RECORD_SIZE - 4) == 0) {
        struct msghdr *h = &c->msgs[n - 1].msg_hdr;
        size_t seg = h->msg_iov[0].iov_len;
        if (length <= seg && run_bytes + length <= GSO_MAX_BYTES && c->segments[n - 1] < GSO_MAX_SEGMENTS) {
          c->iovs[used].iov_base = data;
          c->iovs[used].iov_len = length;
          used++;
          h->msg_iovlen++;
          c->segments[n - 1]++;
          run_bytes += length;
          if (c->segments[n - 1] == 2) set_gso(c, n - 1, (uint16_t)seg);
          // A shorter segment can only be the last one of a run.
          if (length < seg) run_open = 0;
          continue;
        }
      }
      socklen_t alen = sockaddr_from_record(&c->addrs[n], rec, dual_stack);
      if (alen == 0) {
        stats[2] += 1;
        stats[3] = EAFNOSUPPORT;
        run_open = 0;
        continue;
      }
      c->iovs[used].iov_base = data;
      c->iovs[used].iov_len = length;
      memset(&c->msgs[n], 0, sizeof c->msgs[n]);
      c->msgs[n].msg_hdr.msg_name = &c->addrs[n];
      c->msgs[n].msg_hdr.msg_namelen = alen;
      c->msgs[n].msg_hdr.msg_iov = &c->iovs[used];
      c->msgs[n].msg_hdr.msg_iovlen = 1;
      c->segments[n] = 1;
      c->record[n] = rec;
      used++;
      n++;
      run_bytes = length;
      run_open = length > 0;
    }
    uint32_t done = 0;
    while (done < n) {
      int r = sendmmsg(fd, c->msgs + done, n - done, 0);
      if (r > 0) {
        for (int k = 0; k < r; k++) sent_total += c->segments[done + (uint32_t)k];
        done += (uint32_t)r;
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      int err = r < 0 ? errno : EIO;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        // The socket buffer is full: drop the rest of this call, as a router would.
        double rest = (double)(count - i);
        for (uint32_t k = done; k < n; k++) rest += c->segments[k];
        stats[1] += rest;
        stats[0] += sent_total;
        napi_value result;
        napi_create_uint32(env, sent_total, &result);
        return result;
      }
      if (c->segments[done] > 1 && (err == EIO || err == EINVAL || err == ENOPROTOOPT || err == EOPNOTSUPP)) {
        // No segmentation on this path (an old kernel, or a device without
        // checksum offload): send these one by one and tell JS to stop.
        stats[4] = 1;
        sent_total += send_unsegmented(fd, c, done, stats);
      } else {
        // This message failed (unreachable, EPERM from a firewall, too big): skip it only.
        stats[2] += c->segments[done];
        stats[3] = err;
      }
      done++;
    }
  }
  stats[0] += sent_total;
  napi_value result;
  napi_create_uint32(env, sent_total, &result);
  return result;
}

// ---------------------------------------------------------------------------
// udpStartPoll(fd, records: Uint8Array(n * 32), onBatch(payloads: Buffer, count), onError, gro, rxStats) -> handle
// udpStopPoll(handle)
// Datagram i is `length_i` bytes of `payloads`, right after datagram i-1.
//
// With `gro`, the socket gets UDP_GRO: the kernel hands over a run of
// equal-size datagrams from one source (what a peer's UDP_SEGMENT send
// becomes on the wire, or what the GRO layer merged) as one message instead
// of splitting it into one socket-buffer entry each. That split is the per-
// datagram cost the sender's sendmmsg pays when the receiver is local (veth:
// the receive softirq runs inside the send). Here the message is cut back
// into its datagrams, which already lie back to back, so JS sees exactly what
// it would without GRO. One message can hold many datagrams, so a batch is
// handed to JS in as many calls as the records array needs.
// rxStats = [datagrams, coalescedMessages, groFailed], updated in place.

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

typedef struct {
  fd_poll_t w;  // first: the fd-poll callbacks cast back to the poller
  uint8_t *records;  // points into the records array the watch keeps alive
  uint32_t records_cap;  // records the array holds: the most datagrams per JS call
  double *rx_stats;
  int gro;
  struct mmsghdr msgs[RECV_BATCH];
  struct iovec iovs[RECV_BATCH];
  struct sockaddr_storage addrs[RECV_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctrl[RECV_BATCH];
  uint8_t *slab;  // RECV_BATCH slots of RECV_SLOT bytes; untouched pages cost no RSS
} udp_poller_t;

static void udp_release(fd_poll_t *w) {
  udp_poller_t *p = (udp_poller_t *)w;
  free(p->slab);
  free(p);
}

// The segment size of a coalesced message, 0 when it is one datagram.
static size_t gro_segment(struct msghdr *h) {
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm != NULL; cm = CMSG_NXTHDR(h, cm)) {
    if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO && cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int size;
      memcpy(&size, CMSG_DATA(cm), sizeof size);
      return size > 0 ? (size_t)size : 0;
    }
  }
  return 0;
}

// Hands messages [*msg, n) to JS, starting *seg_off bytes into message *msg,
// as at most records_cap datagrams; advances *msg / *seg_off past what it sent.
static void udp_deliver_chunk(udp_poller_t *p, int n, int *msg, size_t *seg_off) {
  napi_env env = p->w.env;
  uint32_t count = 0;
  size_t total = 0;
  int i = *msg;
  size_t off = *seg_off;
  const int first = i;
  const size_t first_off = off;
  // Records first (JS cannot see them before the call), then one copy per message.
  while (i < n && count < p->records_cap) {
    size_t len = p->msgs[i].msg_len;
    if (len == 0) {  // an empty datagram is still one
      uint8_t *rec = p->records + (size_t)count * RECORD_SIZE;
      put_u32(rec, 0);
      record_from_sockaddr(rec, &p->addrs[i]);
      count++;
      i++;
      continue;
    }
    size_t seg = p->gro ? gro_segment(&p->msgs[i].msg_hdr) : 0;
    if (seg == 0 || seg >= len) seg = len;
    if (off == 0 && seg < len && p->rx_stats != NULL) p->rx_stats[1] += 1;
    while (off < len && count < p->records_cap) {
      size_t take = len - off < seg ? len - off : seg;
      uint8_t *rec = p->records + (size_t)count * RECORD_SIZE;
      put_u32(rec, (uint32_t)take);
      record_from_sockaddr(rec, &p->addrs[i]);
      off += take;
      total += take;
      count++;
    }
    if (off >= len) {
      i++;
      off = 0;
    }
  }
  *msg = i;
  *seg_off = off;
  if (count == 0) return;
  void *dst = NULL;
  napi_value payloads;
  if (napi_create_buffer(env, total, &dst, &payloads) != napi_ok) return;
  size_t at = 0;
  for (int j = first; j <= i && j < n; j++) {
    size_t from = j == first ? first_off : 0;
    size_t to = j == i ? off : p->msgs[j].msg_len;
    if (to > from) {
      memcpy((uint8_t *)dst + at, (uint8_t *)p->iovs[j].iov_base + from, to - from);
      at += to - from;
    }
  }
  if (p->rx_stats != NULL) p->rx_stats[0] += count;
  napi_value argv[2];
  argv[0] = payloads;
  napi_create_uint32(env, count, &argv[1]);
  fd_poll_call(&p->w, p->w.on_data, 2, argv);
}

static void udp_on_readable(fd_poll_t *w, int status) {
  udp_poller_t *p = (udp_poller_t *)w;
  napi_env env = w->env;
  for (int i = 0; i < RECV_BATCH; i++) {
    p->iovs[i].iov_base = p->slab + (size_t)i * RECV_SLOT;
    p->iovs[i].iov_len = RECV_SLOT;
    memset(&p->msgs[i], 0, sizeof p->msgs[i]);
    p->msgs[i].msg_hdr.msg_name = &p->addrs[i];
    p->msgs[i].msg_hdr.msg_namelen = sizeof p->addrs[i];
    p->msgs[i].msg_hdr.msg_iov = &p->iovs[i];
    p->msgs[i].msg_hdr.msg_iovlen = 1;
    if (p->gro) {
      p->msgs[i].msg_hdr.msg_control = p->ctrl[i].buf;
      p->msgs[i].msg_hdr.msg_controllen = sizeof p->ctrl[i].buf;
    }
  }
  int n;
  do {
    n = recvmmsg(w->fd, p->msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    int msg = 0;
    size_t seg_off = 0;
    // The handler may close the socket (stopping this poller) between chunks.
    while (msg < n && !w->closing) udp_deliver_chunk(p, n, &msg, &seg_off);
  } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    // Reported, never fatal: a UDP socket's errors (e.g. a queued ICMP error)
    // are transient, and a broken socket is replaced by a listen-port change.
    napi_value argv[1];
    argv[0] = make_errno_error(env, "recvmmsg", errno);
    fd_poll_call(w, w->on_error, 1, argv);
  } else if (status < 0) {
    napi_value argv[1];
    argv[0] = make_errno_error(env, "poll", -status);
    fd_poll_call(w, w->on_error, 1, argv);
  }
}


static napi_value udp_start_poll(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd;
  uint8_t *records = NULL;
  size_t records_len = 0;
  bool gro = false;
  napi_typedarray_type stype = napi_uint8_array;
  size_t slen = 0;
  void *sdata = NULL;
  napi_valuetype t2 = napi_undefined, t3 = napi_undefined;
  if (argc >= 6) {
    napi_typeof(env, argv[2], &t2);
    napi_typeof(env, argv[3], &t3);
  }
  if (argc < 6 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || !get_bytes(env, argv[1], &records, &records_len) ||
      records_len < RECV_BATCH * RECORD_SIZE || t2 != napi_function || t3 != napi_function ||
      napi_get_value_bool(env, argv[4], &gro) != napi_ok ||
      napi_get_typedarray_info(env, argv[5], &stype, &slen, &sdata, NULL, NULL) != napi_ok || stype != napi_float64_array ||
      slen < 3) {
    napi_throw_type_error(env, "EINVAL", "udpStartPoll(fd, records, onBatch, onError, gro, rxStats): bad arguments");
    return NULL;
  }
  udp_poller_t *p = (udp_poller_t *)calloc(1, sizeof *p);
  uint8_t *slab = (uint8_t *)malloc((size_t)RECV_BATCH * RECV_SLOT);
  if (p == NULL || slab == NULL) {
    free(p);
    free(slab);
    return throw_errno(env, "udpStartPoll", ENOMEM);
  }
  p->slab = slab;
  p->records = records;
  p->records_cap = (uint32_t)(records_len / RECORD_SIZE);
  p->rx_stats = (double *)sdata;
  if (gro) {
    int on = 1;
    // Kernels before 5.0 refuse it: then every datagram simply arrives alone.
    if (setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) == 0) p->gro = 1;
    else p->rx_stats[2] = 1;
  }
  napi_value keep[2] = {argv[1], argv[5]};
  return fd_poll_start(env, &p->w, fd, "plug:udp", argv[2], argv[3], keep, 2, udp_on_readable, udp_release);
}


// udpClose(fd): the socket is the addon's, so closing it is too (after udpStopPoll).
static napi_value udp_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "udpClose(fd): fd must be a number");
    return NULL;
  }
  if (fd >= 0) close(fd);
  return NULL;
}

int register_udp(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"udpOpen", NULL, udp_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpOpenAt", NULL, udp_open_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpEncodeAddress", NULL, udp_encode_address, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpDecodeAddress", NULL, udp_decode_address, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpSend", NULL, udp_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpStartPoll", NULL, udp_start_poll, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpStopPoll", NULL, fd_poll_stop_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpClose", NULL, udp_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
