// tcpdump into a pcap file in the lab directory, for tests that must inspect what a namespace
// saw (e.g. that nothing reaching coordd contains a WireGuard public key).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Daemon, type Lab, type Netns, run, waitFor } from "../netns.js";
import { readPcapUdp, type UdpDatagram } from "../pcap.js";

export interface CaptureOptions {
  /** Interface in the namespace; "any" needs the cooked link type and is deduplicated by no one. */
  readonly iface: string;
  /** A pcap filter expression, e.g. "udp or tcp port 8080". */
  readonly filter?: string;
}

export interface CaptureResult {
  readonly file: string;
  /** The whole pcap file: headers and every payload byte captured (snaplen unlimited). */
  readonly bytes: Buffer;
  /** UDP datagrams with addresses (test/support/pcap.ts). */
  readonly datagrams: readonly UdpDatagram[];
  /** Whether `needle` (raw bytes or text) occurs anywhere in the captured bytes. */
  contains(needle: Uint8Array | string): boolean;
  /** tcpdump's own one-line-per-packet rendering, for diagnostics. */
  text(): Promise<string>;
}

let seq = 0;

export class Capture {
  private result: CaptureResult | undefined;

  private constructor(
    private readonly daemon: Daemon,
    readonly file: string,
  ) {}

  static async start(lab: Lab, ns: Netns, opts: CaptureOptions): Promise<Capture> {
    const file = join(lab.dir, `capture-${++seq}.pcap`);
    // --immediate-mode: without it TPACKET_V3 holds packets in the kernel ring for up to a second
    // and SIGTERM discards them; -U: write each packet at once, so stop() loses nothing; -Z root:
    // the lab directory is root's 0700 and tcpdump would otherwise drop to its own user first.
    const args = ["-i", opts.iface, "-n", "--immediate-mode", "-U", "-s", "0", "-Z", "root", "-w", file];
    if (opts.iface === "any") args.push("-y", "LINUX_SLL");
    if (opts.filter) args.push(opts.filter);
    const d = lab.spawn(ns, "tcpdump", args);
    await waitFor(
      `tcpdump listening on ${opts.iface} in ${ns.name}`,
      async () => {
        if (!d.running) throw new Error(`tcpdump exited (${String(await d.exited)}):\n${d.output}`);
        return /listening on/.test(d.output) ? true : undefined;
      },
      10_000,
      50,
    );
    return new Capture(d, file);
  }

  /** Stops tcpdump (SIGTERM flushes) and reads the file. Idempotent. */
  async stop(): Promise<CaptureResult> {
    if (this.result) return this.result;
    await this.daemon.stop();
    const file = this.file;
    const bytes = readFileSync(file);
    const datagrams = readPcapUdp(file);
    this.result = {
      file,
      bytes,
      datagrams,
      contains: (needle) => bytes.includes(typeof needle === "string" ? Buffer.from(needle, "utf8") : Buffer.from(needle)),
      text: async () => (await run("tcpdump", ["-n", "-r", file], { allowFailure: true })).stdout,
    };
    return this.result;
  }
}
