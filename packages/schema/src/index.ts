export * from "./domain";
export * from "./topics";
export * from "./events";
export * from "./api";
export * from "./triage-api";
export * from "./public";
export * from "./keys";
export * from "./access-log";
