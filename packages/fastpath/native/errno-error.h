// Errors for JS from a failed system call: an Error whose .code is the errno
// name ("EBUSY") and .errno the number, so the TypeScript layers can turn it
// into an actionable message. Shared by this addon and @plug/tun's.
#ifndef PLUG_ERRNO_ERROR_H
#define PLUG_ERRNO_ERROR_H

#include <node_api.h>

napi_value make_errno_error(napi_env env, const char *op, int err);
// Throws make_errno_error; returns NULL for `return throw_errno(...)`.
napi_value throw_errno(napi_env env, const char *op, int err);

#endif
