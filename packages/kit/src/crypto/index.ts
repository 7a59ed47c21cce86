export * from "./seal";
export * from "./kek";
export * from "./keyring";
export * from "./config";
export * from "./received";
