export * from "./security.ts";
export * from "./server.ts";
export * from "./static.ts";
