export * from "./host/index.ts";
export * from "./server/index.ts";
export * from "./shared/contract.ts";
