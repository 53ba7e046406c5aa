export * from "./keys.ts";
export * from "./signer.ts";
export * from "./web3signer.ts";
