export * from "../deposit/depositData.ts";
export * from "../deposit/network.ts";
export * from "./encryptPool.ts";
export * from "./generate.ts";
