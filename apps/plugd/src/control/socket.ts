// plugd's own control socket, next to (not inside) the UAPI directory: wg
// lists /var/run/wireguard/*.sock as interfaces, so plugd's status socket
// lives in /var/run/plug/IFNAME.sock. One JSON request per line, one JSON
// answer per line; root-only like the UAPI socket (it reveals addresses).
export const CONTROL_DIR = "/var/run/plug";

export function controlSocketPath(dir: string, ifname: string): string {
  return `${dir}/${ifname}.sock`;
}

export type ControlRequest =
  | { readonly op: "status" }
  | { readonly op: "netcheck" }
  | { readonly op: "ping"; readonly peer: string };

export type ControlReply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };

/** Requests longer than this are refused (the longest real one is ~80 bytes). */
export const MAX_REQUEST_BYTES = 4096;
