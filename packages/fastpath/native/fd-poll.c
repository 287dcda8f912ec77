// See fd-poll.h.
#include <errno.h>
#include <stdlib.h>

#include "errno-error.h"
#include "fd-poll.h"

// What the JS handle points to. It outlives the poller (freed by the
// external's finalizer) so a stop after close or after a fatal error sees NULL
// instead of freed memory.
struct fd_poll_box {
  fd_poll_t *poller;
};

static void free_after_close(uv_handle_t *h) {
  fd_poll_t *w = (fd_poll_t *)h->data;
  w->release(w);
}

static void free_after_env_cleanup(uv_handle_t *h) {
  fd_poll_t *w = (fd_poll_t *)h->data;
  napi_remove_async_cleanup_hook(w->cleanup);
  w->release(w);
}

static void detach(fd_poll_t *w) {
  w->closing = 1;
  if (w->box != NULL) w->box->poller = NULL;
  uv_poll_stop(&w->handle);
}

void fd_poll_stop(fd_poll_t *w) {
  if (w->closing) return;
  detach(w);
  napi_delete_reference(w->env, w->on_data);
  napi_delete_reference(w->env, w->on_error);
  for (size_t i = 0; i < FD_POLL_MAX_KEEP; i++) {
    if (w->keep[i] != NULL) napi_delete_reference(w->env, w->keep[i]);
  }
  if (w->async_ctx != NULL) napi_async_destroy(w->env, w->async_ctx);
  napi_remove_async_cleanup_hook(w->cleanup);
  uv_close((uv_handle_t *)&w->handle, free_after_close);
}

// Environment teardown: close the handle so the loop can shut down; JS can no
// longer be called, and the references die with the environment.
static void env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  fd_poll_t *w = (fd_poll_t *)arg;
  if (w->closing) return;
  detach(w);
  uv_close((uv_handle_t *)&w->handle, free_after_env_cleanup);
}

static void make_callback(napi_env env, napi_async_context ctx, napi_value fn, size_t argc, napi_value *argv) {
  napi_value recv, ignored;
  napi_get_global(env, &recv);
  if (napi_make_callback(env, ctx, recv, fn, argc, argv, &ignored) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc);
    }
  }
}

void fd_poll_call(fd_poll_t *w, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_value fn;
  if (napi_get_reference_value(w->env, fn_ref, &fn) != napi_ok || fn == NULL) return;
  make_callback(w->env, w->async_ctx, fn, argc, argv);
}

void fd_poll_fail(fd_poll_t *w, napi_value error) {
  napi_env env = w->env;
  // Grab the handler before stopping (stopping deletes the reference), and keep
  // the async context alive for the call; destroy it afterwards.
  napi_value fn = NULL;
  napi_get_reference_value(env, w->on_error, &fn);
  napi_ref hold = NULL;
  if (fn != NULL) napi_create_reference(env, fn, 1, &hold);
  napi_async_context ctx = w->async_ctx;
  w->async_ctx = NULL;
  fd_poll_stop(w);
  if (hold != NULL) {
    make_callback(env, ctx, fn, 1, &error);
    napi_delete_reference(env, hold);
  }
  if (ctx != NULL) napi_async_destroy(env, ctx);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  fd_poll_t *w = (fd_poll_t *)handle->data;
  if (w->closing) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  w->ready(w, status);
  napi_close_handle_scope(env, scope);
}

static void box_finalize(napi_env env, void *data, void *hint) {
  fd_poll_box_t *box = (fd_poll_box_t *)data;
  if (box->poller != NULL) box->poller->box = NULL;
  free(box);
}

napi_value fd_poll_start(napi_env env, fd_poll_t *w, int fd, const char *resource, napi_value on_data, napi_value on_error,
                         const napi_value *keep, size_t nkeep, fd_poll_ready_fn ready, fd_poll_release_fn release) {
  w->release = release;
  uv_loop_t *loop = NULL;
  fd_poll_box_t *box = (fd_poll_box_t *)calloc(1, sizeof *box);
  if (box == NULL || nkeep > FD_POLL_MAX_KEEP || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    free(box);
    release(w);
    return throw_errno(env, resource, box == NULL ? ENOMEM : EINVAL);
  }
  int rc = uv_poll_init(loop, &w->handle, fd);
  if (rc < 0) {
    free(box);
    release(w);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  w->env = env;
  w->fd = fd;
  w->ready = ready;
  w->box = box;
  box->poller = w;
  w->handle.data = w;
  napi_value resource_name;
  napi_create_string_utf8(env, resource, NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &w->async_ctx);
  napi_create_reference(env, on_data, 1, &w->on_data);
  napi_create_reference(env, on_error, 1, &w->on_error);
  for (size_t i = 0; i < nkeep; i++) {
    if (keep[i] != NULL) napi_create_reference(env, keep[i], 1, &w->keep[i]);
  }
  napi_add_async_cleanup_hook(env, env_cleanup, w, &w->cleanup);
  rc = uv_poll_start(&w->handle, UV_READABLE, on_poll);
  napi_value external = NULL;
  if (rc < 0 || napi_create_external(env, box, box_finalize, NULL, &external) != napi_ok) {
    fd_poll_stop(w);  // releases w once libuv has closed the handle
    free(box);
    if (rc < 0) return throw_errno(env, "uv_poll_start", -rc);
    napi_throw_error(env, "EADDON", "startPoll: cannot create handle");
    return NULL;
  }
  return external;
}

// The poller a JS handle names (NULL once it has stopped); false with a TypeError pending if the
// argument is not a handle.
static bool handle_arg(napi_env env, napi_callback_info info, const char *usage, fd_poll_t **out) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", usage);
    return false;
  }
  *out = ((fd_poll_box_t *)data)->poller;
  return true;
}

napi_value fd_poll_stop_js(napi_env env, napi_callback_info info) {
  fd_poll_t *w = NULL;
  if (handle_arg(env, info, "stopPoll(handle): bad handle", &w) && w != NULL) fd_poll_stop(w);
  return NULL;
}

napi_value fd_poll_ready_now_js(napi_env env, napi_callback_info info) {
  fd_poll_t *w = NULL;
  // A non-blocking read that finds nothing costs one EAGAIN; a stopped poller reads nothing.
  if (handle_arg(env, info, "readNow(handle): bad handle", &w) && w != NULL && !w->closing) w->ready(w, 0);
  return NULL;
}
