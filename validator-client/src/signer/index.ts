export * from "./keys.ts";
export * from "./signer.ts";
