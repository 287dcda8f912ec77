// Network-change events. On Linux the kernel announces address, route and
// link changes over rtnetlink; `ip -o monitor` (iproute2) subscribes to those
// groups and prints one line per event, which keeps this event-driven without
// a netlink binding of our own. Elsewhere (or if `ip` is missing) the
// interface list is polled. Either way, bursts are debounced into one call:
// a DHCP renewal or a roam produces a dozen messages within milliseconds.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface NetworkMonitorOptions {
  readonly onChange: (why: string) => void;
  /** Quiet time after the last event before onChange runs. */
  readonly debounceMs?: number;
  /** Polling interval when rtnetlink events are unavailable. */
  readonly pollMs?: number;
  /** Events to ignore (our own tunnel interface's changes are not a network change). */
  readonly ignore?: (line: string) => boolean;
  /** Fingerprint of the current addresses, for the polling fallback. */
  readonly fingerprint: () => string;
}

export class NetworkMonitor {
  private child: ChildProcess | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastEvent = "";
  mode: "rtnetlink" | "polling" | "stopped" = "stopped";

  constructor(private readonly options: NetworkMonitorOptions) {}

  start(): void {
    if (process.platform !== "linux") {
      this.startPolling();
      return;
    }
    const child = spawn("ip", ["-o", "monitor", "link", "address", "route"], { stdio: ["ignore", "pipe", "ignore"] });
    this.child = child;
    this.mode = "rtnetlink";
    child.on("error", () => {
      // No iproute2: fall back to polling.
      if (this.child === child) this.child = null;
      if (!this.stopped) this.startPolling();
    });
    child.on("exit", () => {
      if (this.child === child) this.child = null;
      if (!this.stopped && this.mode === "rtnetlink") this.startPolling();
    });
    createInterface({ input: child.stdout }).on("line", (line) => this.event(line.trim()));
  }

  stop(): void {
    this.stopped = true;
    this.mode = "stopped";
    this.child?.kill();
    this.child = null;
    if (this.debounce !== null) clearTimeout(this.debounce);
    if (this.poll !== null) clearInterval(this.poll);
    this.debounce = null;
    this.poll = null;
  }

  private startPolling(): void {
    if (this.poll !== null) return;
    this.mode = "polling";
    let last = this.options.fingerprint();
    this.poll = setInterval(() => {
      const now = this.options.fingerprint();
      if (now !== last) {
        last = now;
        this.event("address list changed");
      }
    }, this.options.pollMs ?? 5_000);
    this.poll.unref();
  }

  private event(what: string): void {
    if (this.stopped || what === "" || this.options.ignore?.(what) === true) return;
    // A default-route change anywhere in the burst must survive the debounce.
    this.lastEvent = this.debounce !== null && this.lastEvent.includes("default") && !what.includes("default") ? this.lastEvent : what;
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      if (!this.stopped) this.options.onChange(this.lastEvent);
    }, this.options.debounceMs ?? 150);
  }
}
