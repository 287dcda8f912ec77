export { runKeyCommand, type KeyCommand } from "./commands.js";
