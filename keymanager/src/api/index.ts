export * from "./backend.ts";
export * from "./server.ts";
export * from "./token.ts";
