export { parseArgs, UsageError, type Command, type KeyCommandName } from "./args.js";
export { helpText, usageLine, version, versionText } from "./help.js";
