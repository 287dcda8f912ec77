// Watching a non-blocking fd from Node's own event loop and calling JS when it
// is readable: the lifecycle both plug addons need (udp.c's socket, @plug/tun's
// TUN device), written once. A uv_poll_t on the loop, JS callbacks held by
// reference, an async context so handlers behave like any event-loop callback,
// a cleanup hook for environment teardown (a Worker exiting with the fd still
// watched), and a JS handle that stays safe to stop after the poller is gone.
//
// The owner embeds fd_poll_t as the FIRST member of its own struct (so the
// ready callback can cast back) and allocates it zeroed; fd_poll_start takes
// over the owner's memory and frees it through `release` once libuv is done
// with the handle. Everything runs on the JS thread.
#ifndef PLUG_FD_POLL_H
#define PLUG_FD_POLL_H

#include <node_api.h>
#include <uv.h>

#define FD_POLL_MAX_KEEP 2

typedef struct fd_poll fd_poll_t;
typedef struct fd_poll_box fd_poll_box_t;

// Called when the fd is readable (status < 0: libuv's negated errno), inside a
// handle scope; it reads the fd and calls fd_poll_call / fd_poll_fail.
typedef void (*fd_poll_ready_fn)(fd_poll_t *w, int status);
// Frees the owner's struct (and whatever it allocated besides).
typedef void (*fd_poll_release_fn)(fd_poll_t *w);

struct fd_poll {
  uv_poll_t handle;
  napi_env env;
  napi_ref on_data;
  napi_ref on_error;
  // Typed arrays whose memory the owner points into, kept alive while watched.
  napi_ref keep[FD_POLL_MAX_KEEP];
  napi_async_context async_ctx;
  napi_async_cleanup_hook_handle cleanup;
  fd_poll_box_t *box;
  fd_poll_ready_fn ready;
  fd_poll_release_fn release;
  int fd;
  int closing;
};

// Starts watching. keep: up to FD_POLL_MAX_KEEP values to hold (NULL entries
// allowed). Returns the JS handle for fd_poll_stop_js; on failure returns NULL
// with an exception pending, and w has been released.
napi_value fd_poll_start(napi_env env, fd_poll_t *w, int fd, const char *resource, napi_value on_data, napi_value on_error,
                         const napi_value *keep, size_t nkeep, fd_poll_ready_fn ready, fd_poll_release_fn release);

// Stops watching and drops the JS references (idempotent); the fd itself stays open.
void fd_poll_stop(fd_poll_t *w);

// Calls on_data or on_error (fn = w->on_data / w->on_error); a throwing
// handler is reported like any throwing event-loop callback.
void fd_poll_call(fd_poll_t *w, napi_ref fn, size_t argc, napi_value *argv);

// A fatal error: stops watching, then calls on_error(error) once.
void fd_poll_fail(fd_poll_t *w, napi_value error);

// stopPoll(handle) for JS: stops the poller the handle names, if it still runs.
napi_value fd_poll_stop_js(napi_env env, napi_callback_info info);

// readNow(handle) for JS: runs the owner's ready callback at once, as if the fd had been
// reported readable, so data the kernel queued during this JS turn is handled in it (after a
// TUN write, the kernel's own answers to the written packets: echo replies, TCP ACKs).
napi_value fd_poll_ready_now_js(napi_env env, napi_callback_info info);

#endif
