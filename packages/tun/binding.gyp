{
  "targets": [
    {
      "target_name": "plug_tun",
      "sources": ["native/tun.c", "../fastpath/native/errno-error.c", "../fastpath/native/fd-poll.c"],
      "include_dirs": ["../fastpath/native"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
