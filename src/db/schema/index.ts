export * from "./organisations.js";
export * from "./users.js";
export * from "./customers.js";
export * from "./sessions.js";
export * from "./audit.js";
export * from "./access.js";
export * from "./cases.js";
