{
  "targets": [
    {
      "target_name": "plug_tun",
      "sources": ["native/tun.c", "native/aead.c", "native/udp.c", "native/blake2s.c", "native/x25519.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
