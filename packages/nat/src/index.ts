export * from "./time/clock.js";
export * from "./time/retransmit.js";
export * from "./stun/message.js";
export * from "./stun/transaction.js";
export * from "./stun/client.js";
export * from "./stun/behavior.js";
