// Domain-separation labels. Each derived value has its own label so that no
// key is ever used for two purposes; the "plug/v1/" prefix separates this
// protocol version from any future one.
export const Label = {
  pairKey: "plug/v1/pair-key",
  rid: "plug/v1/rid",
  slot: "plug/v1/slot",
  sealKey: "plug/v1/seal-key",
  sealAad: "plug/v1/candidates",
  probeKey: "plug/v1/probe-key",
  linkKeys: "plug/v1/link-keys",
  cookie: "plug/v1/cookie",
} as const;
