{
  "targets": [
    {
      "target_name": "plug_fastpath",
      "sources": [
        "native/addon.c",
        "native/errno-error.c",
        "native/fd-poll.c",
        "native/udp.c",
        "native/socket-mark.c",
        "native/aead.c",
        "native/protocol-crypto.c",
        "native/blake2s.c",
        "native/x25519.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
