// How a foreground plugd tells the process that started it whether the
// interface came up. Node cannot fork, so `plugd IFNAME` re-spawns itself in
// the foreground and waits on a pipe (fd PLUGD_READY_FD) for one line:
// "READY" or "ERROR <message>". The parent exits 0 or 1 accordingly, which is
// what wg-quick relies on before it runs `wg addconf`.
import { closeSync, openSync, writeSync } from "node:fs";

export const READY_FD_ENV = "PLUGD_READY_FD";

export interface Readiness {
  ready(): void;
  /** The message is printed by whoever started us; it must not contain key material. */
  failed(message: string): void;
}

/** Foreground run started by a user: errors go straight to stderr. */
export const terminalReadiness: Readiness = {
  ready: () => {},
  failed: (message) => {
    process.stderr.write(`${message}\n`);
  },
};

/** Foreground run started by a background parent: report once on the pipe, then close it. */
export function pipeReadiness(fd: number): Readiness {
  let sent = false;
  const send = (line: string): void => {
    if (sent) return;
    sent = true;
    try {
      writeSync(fd, `${line}\n`);
      closeSync(fd);
    } catch {
      // The parent is gone; nobody is waiting for the answer.
    }
  };
  return {
    ready: () => send("READY"),
    failed: (message) => {
      // Also to our own stderr, which is the user's terminal when LOG_LEVEL is set.
      process.stderr.write(`${message}\n`);
      send(`ERROR ${message.replace(/\n/g, " ")}`);
    },
  };
}

/**
 * The inherited pipe fd is not close-on-exec, so PostUp hooks and other
 * children would inherit it and could keep the launcher waiting. Reopening
 * it through /proc gives a close-on-exec descriptor (Node opens everything
 * O_CLOEXEC) and the inherited one is closed; the variable is dropped too.
 */
export function readinessFromEnv(env: NodeJS.ProcessEnv): Readiness {
  const text = env[READY_FD_ENV];
  if (text === undefined || !/^\d+$/.test(text)) return terminalReadiness;
  delete env[READY_FD_ENV];
  const inherited = Number(text);
  try {
    const fd = openSync(`/proc/self/fd/${inherited}`, "w");
    closeSync(inherited);
    return pipeReadiness(fd);
  } catch {
    return pipeReadiness(inherited);
  }
}
