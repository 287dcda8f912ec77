// coordd command line entry (bin/coordd.js imports this).
import { keyToBase64 } from "@plug/protocol";
import { loadOrCreateKey } from "./config/keyfile.js";
import { helpText, parseOptions, UsageError } from "./config/options.js";
import { startCoordd } from "./server.js";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(helpText());
    return 0;
  }
  const sub = argv[0] === "pubkey" ? "pubkey" : "run";
  const cfg = parseOptions(sub === "pubkey" ? argv.slice(1) : argv, process.env);
  if (sub === "pubkey") {
    process.stdout.write(keyToBase64(loadOrCreateKey(cfg.keyFile).publicKey) + "\n");
    return 0;
  }
  const running = await startCoordd(cfg);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await running.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`coordd: ${e instanceof UsageError ? e.message + "\n\n" + helpText() : e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
