export * from "./circuitBreaker.ts";
export * from "./client.ts";
export * from "./service.ts";
export * from "./types.ts";
export * from "./verify.ts";
