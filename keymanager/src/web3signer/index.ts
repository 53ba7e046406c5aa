export * from "./server.ts";
export * from "./signingRoot.ts";
