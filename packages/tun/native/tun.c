// The Linux TUN device for plug, as a plain Node-API addon (the UDP socket and
// OpenSSL primitives are @plug/fastpath's addon).
//
// Why native at all: Node cannot issue ioctl(TUNSETIFF) or TUNSETOFFLOAD,
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
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "errno-error.h"
#include "fd-poll.h"

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
// With TSO (see tun_open) one read can be a TCP super-packet that becomes up
// to MAX_GSO_SEGMENTS packets, each with its own copy of the headers.
#define MAX_GSO_SEGMENTS 256
#define MAX_HEADERS (60 + 60)
#define SLAB_SIZE (MAX_PACKETS_PER_TURN * 2048 + MAX_FRAME + MAX_GSO_SEGMENTS * MAX_HEADERS)
// Packets one turn can deliver (the JS lengths array): a read starts only
// while a whole super-packet's worth of entries is free.
#define MAX_DELIVERED (MAX_PACKETS_PER_TURN + 2 * MAX_GSO_SEGMENTS)

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
// open(name, tso) -> [fd, actualName, vnet]

static napi_value tun_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[64];
  size_t len = 0;
  bool tso = false;
  if (argc < 1 || !get_string_arg(env, argv[0], name, sizeof name, &len) ||
      (argc >= 2 && napi_get_value_bool(env, argv[1], &tso) != napi_ok)) {
    napi_throw_type_error(env, "EINVAL", "open(name, tso): name must be a string");
    return NULL;
  }
  if (len == 0 || len >= IFNAMSIZ) return throw_errno(env, "TUNSETIFF", ENAMETOOLONG);

  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open /dev/net/tun", errno);

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  // IFF_VNET_HDR: every frame carries a virtio_net_hdr, which is what lets a
  // write hand the kernel a run of TCP segments as one GSO packet (see
  // tun_write). No TUNSETOFFLOAD: the kernel still segments and checksums
  // everything it sends us, so reads stay plain IP packets.
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
  memcpy(ifr.ifr_name, name, len);
  int vnet = 1;
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    // A kernel (or an existing persistent device) without vnet headers: plain frames.
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    vnet = 0;
    if (err != EINVAL || ioctl(fd, TUNSETIFF, &ifr) < 0) {
      if (err == EINVAL) err = errno;
      close(fd);
      return throw_errno(env, "TUNSETIFF", err);
    }
  }
  int hdr_size = (int)sizeof(struct virtio_net_hdr);
  if (vnet && ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "TUNSETVNETHDRSZ", err);
  }
  // TSO: the kernel may hand us TCP super-packets (up to 64 KB, cut up in
  // on_poll) and packets whose checksum is left to us, instead of segmenting
  // and checksumming in the sender's TCP stack one MTU at a time.
  if (vnet && tso && ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "TUNSETOFFLOAD", err);
  }

  napi_value result, fdv, namev, vnetv;
  CHECK(env, napi_create_array_with_length(env, 3, &result));
  CHECK(env, napi_create_int32(env, fd, &fdv));
  CHECK(env, napi_create_string_utf8(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ), &namev));
  CHECK(env, napi_get_boolean(env, vnet, &vnetv));
  CHECK(env, napi_set_element(env, result, 0, fdv));
  CHECK(env, napi_set_element(env, result, 1, namev));
  CHECK(env, napi_set_element(env, result, 2, vnetv));
  return result;
}

// adopt(fd) -> [actualName, vnet]: takes over an inherited TUN fd (wireguard-go's
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
  int vnet = (ifr.ifr_flags & IFF_VNET_HDR) != 0;
  if (vnet) {
    // Whoever opened it may have chosen another header size or offloads
    // (GSO reads); make its frames what this file expects.
    int hdr_size = (int)sizeof(struct virtio_net_hdr);
    unsigned int offloads = 0;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0) return throw_errno(env, "TUNSETVNETHDRSZ", errno);
    if (ioctl(fd, TUNSETOFFLOAD, offloads) < 0) return throw_errno(env, "TUNSETOFFLOAD", errno);
  }
  napi_value result, namev, vnetv;
  CHECK(env, napi_create_array_with_length(env, 2, &result));
  CHECK(env, napi_create_string_utf8(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ), &namev));
  CHECK(env, napi_get_boolean(env, vnet, &vnetv));
  CHECK(env, napi_set_element(env, result, 0, namev));
  CHECK(env, napi_set_element(env, result, 1, vnetv));
  return result;
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
// write(fd, packets, stats, mode) -> written
// stats is a Float64Array [written, droppedEagain, droppedError, superPackets,
// segmentsCoalesced] (the last two only when it has 5 entries) updated in
// place, so the hot path allocates no result object.
// mode 0: plain frames (no vnet header); 1: a zero vnet header before every
// packet; 2: as 1, and runs of consecutive TCP segments of one flow go to the
// kernel as one GSO packet.
//
// Why coalesce: a TUN write runs the kernel's whole receive path (IP, TCP,
// the socket, the ACK) inside the write() call, once per packet. A run of
// segments handed over as one TCP GSO packet (what GRO would have built on a
// NIC) costs one write and one pass through TCP, which is what newer
// wireguard-go does too. Only plain runs qualify (see seg_append): same
// addresses, ports, ACK, window, TCP options and IP header fields,
// consecutive sequence numbers, ACK or ACK|PSH only, equal sizes but a
// shorter last one, PSH only on the last. The segments' own checksums are not
// re-verified: they were authenticated by the tunnel's AEAD, and kernel
// WireGuard likewise marks decrypted packets CHECKSUM_UNNECESSARY.

#define WRITE_WINDOW 1024
#define MAX_COALESCE 64
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10

typedef struct {
  uint8_t *p;
  size_t len;
  size_t iphl;   // 0: not a TCP segment that may be coalesced
  size_t thl;
  size_t plen;   // payload bytes
  uint32_t seq;
  uint8_t flags;
} seg_t;

static uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void seg_parse(seg_t *s) {
  const uint8_t *p = s->p;
  size_t len = s->len;
  s->iphl = 0;
  size_t iphl;
  if (len >= 20 && p[0] == 0x45) {
    // No options, not a fragment (DF may be set), TCP, length exact.
    if ((be16(p + 6) & 0x3fff) != 0 || p[9] != 6 || be16(p + 2) != len) return;
    iphl = 20;
  } else if (len >= 40 && (p[0] >> 4) == 6) {
    // TCP right after the fixed header (no extension headers).
    if (p[6] != 6 || (size_t)be16(p + 4) + 40 != len) return;
    iphl = 40;
  } else {
    return;
  }
  if (len < iphl + 20) return;
  size_t thl = (size_t)(p[iphl + 12] >> 4) * 4;
  uint8_t flags = p[iphl + 13];
  if (thl < 20 || iphl + thl >= len) return;  // no payload: nothing to coalesce
  if ((flags & ~(TCP_ACK | TCP_PSH)) != 0 || (flags & TCP_ACK) == 0) return;
  s->thl = thl;
  s->plen = len - iphl - thl;
  s->seq = be32(p + iphl + 4);
  s->flags = flags;
  s->iphl = iphl;
}

// Whether `next` can follow `prev` in the run that `first` starts.
static int seg_append(const seg_t *first, const seg_t *prev, const seg_t *next, size_t total) {
  if (next->iphl != first->iphl || next->thl != first->thl) return 0;
  if (prev->plen != first->plen || (prev->flags & TCP_PSH)) return 0;  // a short or PSH segment ends a run
  if (next->plen > first->plen || next->seq != prev->seq + (uint32_t)prev->plen) return 0;
  if (total + next->plen > 65535) return 0;
  const uint8_t *a = first->p, *b = next->p;
  size_t ip = first->iphl;
  if (ip == 20) {
    // TOS (with ECN), DF, TTL, addresses.
    if (a[1] != b[1] || (a[6] & 0x40) != (b[6] & 0x40) || a[8] != b[8] || memcmp(a + 12, b + 12, 8) != 0) return 0;
  } else {
    // Version, traffic class, flow label; hop limit; addresses.
    if (memcmp(a, b, 4) != 0 || a[7] != b[7] || memcmp(a + 8, b + 8, 32) != 0) return 0;
  }
  // Ports; ACK number; window, and the options (timestamps must match).
  if (memcmp(a + ip, b + ip, 4) != 0 || memcmp(a + ip + 8, b + ip + 8, 4) != 0 || memcmp(a + ip + 14, b + ip + 14, 2) != 0) return 0;
  if (memcmp(a + ip + 20, b + ip + 20, first->thl - 20) != 0) return 0;
  return 1;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += be16(p + i);
  if (n & 1) sum += (uint32_t)p[n - 1] << 8;
  return sum;
}
static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)sum;
}

// Writes iov, retrying EINTR; 0, or the errno.
static int write_frame(int fd, struct iovec *iov, int iovcnt) {
  ssize_t r;
  do {
    r = writev(fd, iov, iovcnt);
  } while (r < 0 && errno == EINTR);
  return r >= 0 ? 0 : errno;
}

static napi_value tun_write(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  int32_t mode = 0;
  bool is_array = false;
  if (argc < 3 || !get_int32_arg(env, argv[0], &fd) || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      (argc >= 4 && !get_int32_arg(env, argv[3], &mode))) {
    napi_throw_type_error(env, "EINVAL", "write(fd, packets, stats, mode): bad arguments");
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
  static _Thread_local seg_t segs[WRITE_WINDOW];
  static _Thread_local struct iovec iov[MAX_COALESCE + 1];
  struct virtio_net_hdr zero_hdr;
  memset(&zero_hdr, 0, sizeof zero_hdr);
  uint8_t head[sizeof(struct virtio_net_hdr) + 40 + 60];
  uint32_t written = 0;
  uint32_t base = 0;
  while (base < count) {
    uint32_t n = count - base < WRITE_WINDOW ? count - base : WRITE_WINDOW;
    // Validate the whole window before writing any of it.
    for (uint32_t k = 0; k < n; k++) {
      napi_value item;
      CHECK(env, napi_get_element(env, argv[1], base + k, &item));
      napi_typedarray_type type;
      size_t length = 0;
      void *data = NULL;
      if (napi_get_typedarray_info(env, item, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
        napi_throw_type_error(env, "EINVAL", "write: every packet must be a Uint8Array");
        return NULL;
      }
      segs[k].p = (uint8_t *)data;
      segs[k].len = length;
      segs[k].iphl = 0;
      if (mode == 2) seg_parse(&segs[k]);
    }
    uint32_t k = 0;
    while (k < n) {
      seg_t *first = &segs[k];
      uint32_t run = 1;
      size_t total = first->iphl ? first->iphl + first->thl + first->plen : 0;
      if (first->iphl) {
        while (k + run < n && run < MAX_COALESCE && seg_append(first, &segs[k + run - 1], &segs[k + run], total)) {
          total += segs[k + run].plen;
          run++;
        }
      }
      int err;
      if (run == 1) {
        iov[0].iov_base = &zero_hdr;
        iov[0].iov_len = sizeof zero_hdr;
        iov[1].iov_base = first->p;
        iov[1].iov_len = first->len;
        err = mode == 0 ? write_frame(fd, iov + 1, 1) : write_frame(fd, iov, 2);
      } else {
        // One GSO packet: the first segment's headers, patched, then every payload.
        size_t ip = first->iphl, hl = first->iphl + first->thl;
        struct virtio_net_hdr *vh = (struct virtio_net_hdr *)head;
        uint8_t *h = head + sizeof *vh;
        memset(vh, 0, sizeof *vh);
        memcpy(h, first->p, hl);
        const seg_t *last = &segs[k + run - 1];
        h[ip + 13] = (uint8_t)(first->flags | (last->flags & TCP_PSH));
        uint32_t tcp_len = (uint32_t)(total - ip);
        uint32_t pseudo;
        if (ip == 20) {
          h[2] = (uint8_t)(total >> 8);
          h[3] = (uint8_t)total;
          h[10] = h[11] = 0;
          uint16_t c = (uint16_t)~fold(sum16(h, 20, 0));
          h[10] = (uint8_t)(c >> 8);
          h[11] = (uint8_t)c;
          pseudo = sum16(h + 12, 8, 6 + tcp_len);
          vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
        } else {
          h[4] = (uint8_t)(tcp_len >> 8);
          h[5] = (uint8_t)tcp_len;
          pseudo = sum16(h + 8, 32, 6 + (tcp_len >> 16) + (tcp_len & 0xffff));
          vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
        }
        // CHECKSUM_PARTIAL: the field holds the pseudo-header sum; the kernel
        // (or the device it forwards to) completes it per segment.
        uint16_t partial = fold(pseudo);
        h[ip + 16] = (uint8_t)(partial >> 8);
        h[ip + 17] = (uint8_t)partial;
        vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        vh->hdr_len = (uint16_t)hl;
        vh->gso_size = (uint16_t)first->plen;
        vh->csum_start = (uint16_t)ip;
        vh->csum_offset = 16;
        iov[0].iov_base = head;
        iov[0].iov_len = sizeof *vh + hl;
        for (uint32_t j = 0; j < run; j++) {
          iov[j + 1].iov_base = segs[k + j].p + hl;
          iov[j + 1].iov_len = segs[k + j].plen;
        }
        err = write_frame(fd, iov, (int)run + 1);
        if (err == 0 && slen >= 5) {
          stats[3] += 1;
          stats[4] += run;
        }
        if (err != 0 && err != EAGAIN && err != EWOULDBLOCK) {
          // A kernel that refuses the GSO packet still gets the segments,
          // one by one; only those it refuses again are dropped.
          uint32_t ok = 0;
          for (uint32_t j = 0; j < run; j++) {
            iov[0].iov_base = &zero_hdr;
            iov[0].iov_len = sizeof zero_hdr;
            iov[1].iov_base = segs[k + j].p;
            iov[1].iov_len = segs[k + j].len;
            if (write_frame(fd, iov, 2) == 0) ok++;
            else stats[2] += 1;
          }
          written += ok;
          k += run;
          continue;
        }
      }
      if (err == 0) {
        written += run;
      } else if (err == EAGAIN || err == EWOULDBLOCK) {
        // The kernel's queue is full: a router drops rather than blocks, and
        // the rest of this batch would meet the same full queue.
        stats[1] += (double)(count - (base + k));
        stats[0] += (double)written;
        napi_value result;
        CHECK(env, napi_create_uint32(env, written, &result));
        return result;
      } else {
        // e.g. EINVAL for a frame that is not an IP packet: drop this one only.
        stats[2] += run;
      }
      k += run;
    }
    base += n;
  }
  stats[0] += (double)written;
  napi_value result;
  CHECK(env, napi_create_uint32(env, written, &result));
  return result;
}

// ---------------------------------------------------------------------------
// startPoll(fd, lengths, onPackets, onError, vnet, rxStats) -> handle; stopPoll(handle): the
// watch itself is fastpath's fd-poll.c, shared with the UDP socket.

typedef struct {
  fd_poll_t w;  // first: the fd-poll callbacks cast back to the poller
  uint32_t *lengths;  // points into the Uint32Array `lengths` the watch keeps alive
  int vnet;  // frames start with a virtio_net_hdr
  double *rx_stats;  // [superPackets, segmentsFromThem, droppedMalformed]
  unsigned char frame[MAX_FRAME];  // a super-packet, before it is cut into the slab
  unsigned char slab[SLAB_SIZE];
} poller_t;

static void poller_release(fd_poll_t *w) { free(w); }

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

// NEEDS_CSUM on a single packet: the field at start+offset holds the
// pseudo-header sum; the checksum covers everything from `start` on.
static int complete_checksum(uint8_t *pkt, size_t len, size_t start, size_t offset) {
  if (start + offset + 2 > len) return 0;
  uint16_t c = (uint16_t)~fold(sum16(pkt + start, len - start, 0));
  uint8_t proto = (pkt[0] >> 4) == 4 ? pkt[9] : pkt[6];
  if (c == 0 && proto == 17) c = 0xffff;  // UDP: 0 means "no checksum"
  put16(pkt + start + offset, c);
  return 1;
}

// Cuts a TCP super-packet (frame, len; headers as the kernel's TCP built them)
// into gso_size segments written back to back at out; their lengths go to
// lengths[]. Returns the segment count, 0 when the frame is not what a TSO
// frame must be (then it is dropped and counted).
static uint32_t segment_tso(const uint8_t *frame, size_t len, const struct virtio_net_hdr *vh, uint8_t *out, size_t room,
                            uint32_t *lengths) {
  int v4 = (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV4;
  int v6 = (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV6;
  size_t ip = vh->csum_start;
  if ((!v4 && !v6) || len < 20 || (v4 && (ip < 20 || (frame[0] >> 4) != 4 || (size_t)(frame[0] & 15) * 4 != ip)) ||
      (v6 && (ip < 40 || (frame[0] >> 4) != 6)) || ip + 20 > len) {
    return 0;
  }
  size_t thl = (size_t)(frame[ip + 12] >> 4) * 4;
  size_t hl = ip + thl;
  size_t mss = vh->gso_size;
  if (thl < 20 || hl > len || hl > MAX_HEADERS || mss == 0) return 0;
  size_t payload = len - hl;
  size_t count = (payload + mss - 1) / mss;
  if (count == 0 || count > MAX_GSO_SEGMENTS || payload + count * hl > room) return 0;
  uint32_t seq = be32(frame + ip + 4);
  uint16_t id = be16(frame + 4);
  uint8_t flags = frame[ip + 13];
  uint32_t pseudo_addr = v4 ? sum16(frame + 12, 8, 0) : sum16(frame + 8, 32, 0);
  size_t at = 0;
  for (size_t i = 0; i < count; i++) {
    size_t chunk = i + 1 < count ? mss : payload - i * mss;
    uint8_t *o = out + at;
    memcpy(o, frame, hl);
    memcpy(o + hl, frame + hl + i * mss, chunk);
    size_t seglen = hl + chunk;
    if (v4) {
      put16(o + 2, (uint16_t)seglen);
      put16(o + 4, (uint16_t)(id + i));
      o[10] = o[11] = 0;
      put16(o + 10, (uint16_t)~fold(sum16(o, ip, 0)));
    } else {
      put16(o + 4, (uint16_t)(seglen - 40));
    }
    uint32_t s = seq + (uint32_t)(i * mss);
    o[ip + 4] = (uint8_t)(s >> 24);
    o[ip + 5] = (uint8_t)(s >> 16);
    o[ip + 6] = (uint8_t)(s >> 8);
    o[ip + 7] = (uint8_t)s;
    // FIN and PSH belong to the last segment, CWR to the first.
    uint8_t f = flags;
    if (i + 1 < count) f &= (uint8_t)~(TCP_FIN | TCP_PSH);
    if (i > 0) f &= (uint8_t)~0x80;
    o[ip + 13] = f;
    o[ip + 16] = o[ip + 17] = 0;
    uint32_t tcp_len = (uint32_t)(thl + chunk);
    uint32_t sum = sum16(o + ip, tcp_len, pseudo_addr + 6 + (tcp_len >> 16) + (tcp_len & 0xffff));
    put16(o + ip + 16, (uint16_t)~fold(sum));
    lengths[i] = (uint32_t)seglen;
    at += seglen;
  }
  return (uint32_t)count;
}

static void on_readable(fd_poll_t *w, int status) {
  poller_t *p = (poller_t *)w;
  napi_env env = w->env;

  int fatal = 0;
  const char *fatal_op = "read";
  uint32_t n = 0;
  size_t used = 0;
  // Even on a poll error, read: the read's errno says what happened (EBADFD
  // once the interface is deleted), and queued packets still get delivered.
  uint32_t reads = 0;
  while (reads < MAX_PACKETS_PER_TURN && n + MAX_GSO_SEGMENTS <= MAX_DELIVERED &&
         SLAB_SIZE - used >= MAX_FRAME + MAX_GSO_SEGMENTS * MAX_HEADERS) {
    struct virtio_net_hdr vh;
    uint8_t *dst = p->slab + used;
    struct iovec iov[2] = {{&vh, sizeof vh}, {dst, MAX_FRAME}};
    ssize_t r = p->vnet ? readv(w->fd, iov, 2) : read(w->fd, dst, MAX_FRAME);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fatal = errno;
      break;
    }
    if (r == 0) break;
    reads++;
    if (p->vnet) {
      r -= (ssize_t)sizeof vh;
      if (r <= 0) {
        p->rx_stats[2] += 1;
        continue;
      }
      if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
        // Move the super-packet aside and cut it into the slab where it was.
        memcpy(p->frame, dst, (size_t)r);
        uint32_t k = segment_tso(p->frame, (size_t)r, &vh, dst, SLAB_SIZE - used, p->lengths + n);
        if (k == 0) {
          p->rx_stats[2] += 1;
          continue;
        }
        for (uint32_t j = 0; j < k; j++) used += p->lengths[n + j];
        n += k;
        p->rx_stats[0] += 1;
        p->rx_stats[1] += k;
        continue;
      }
      if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !complete_checksum(dst, (size_t)r, vh.csum_start, vh.csum_offset)) {
        p->rx_stats[2] += 1;
        continue;
      }
    }
    p->lengths[n++] = (uint32_t)r;
    used += (size_t)r;
  }
  if (n > 0) {
    napi_value argv[2];
    if (napi_create_buffer_copy(env, used, p->slab, NULL, &argv[0]) == napi_ok &&
        napi_create_uint32(env, n, &argv[1]) == napi_ok) {
      fd_poll_call(w, w->on_data, 2, argv);
    }
  }
  if (!fatal && status < 0) {
    fatal = -status;  // libuv errors on Linux are negated errno values
    fatal_op = "poll";
  }
  // The packets handler may have closed the device.
  if (fatal && !w->closing) fd_poll_fail(w, make_errno_error(env, fatal_op, fatal));
}


static napi_value tun_start_poll(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  bool vnet = false;
  napi_typedarray_type rtype = napi_uint8_array;
  size_t rlen = 0;
  void *rdata = NULL;
  napi_valuetype t1 = napi_undefined, t2 = napi_undefined;
  napi_typedarray_type ltype = napi_uint8_array;
  size_t llen = 0;
  void *ldata = NULL;
  if (argc >= 4) {
    napi_typeof(env, argv[2], &t1);
    napi_typeof(env, argv[3], &t2);
  }
  if (argc < 6 || !get_int32_arg(env, argv[0], &fd) || t1 != napi_function || t2 != napi_function ||
      napi_get_value_bool(env, argv[4], &vnet) != napi_ok ||
      napi_get_typedarray_info(env, argv[5], &rtype, &rlen, &rdata, NULL, NULL) != napi_ok || rtype != napi_float64_array ||
      rlen < 3 ||
      napi_get_typedarray_info(env, argv[1], &ltype, &llen, &ldata, NULL, NULL) != napi_ok || ltype != napi_uint32_array ||
      llen < MAX_DELIVERED) {
    napi_throw_type_error(env, "EINVAL", "startPoll(fd, lengths: Uint32Array(640), onPackets, onError, vnet, rxStats): bad arguments");
    return NULL;
  }
  poller_t *p = (poller_t *)calloc(1, sizeof *p);
  if (p == NULL) return throw_errno(env, "startPoll", ENOMEM);
  p->lengths = (uint32_t *)ldata;
  p->vnet = vnet;
  p->rx_stats = (double *)rdata;
  napi_value keep[2] = {argv[1], argv[5]};
  return fd_poll_start(env, &p->w, fd, "plug:tun", argv[2], argv[3], keep, 2, on_readable, poller_release);
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
      {"stopPoll", NULL, fd_poll_stop_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readNow", NULL, fd_poll_ready_now_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMtu", NULL, tun_set_mtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getMtu", NULL, tun_get_mtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setUp", NULL, tun_set_up, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
