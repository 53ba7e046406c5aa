export * from "./cache.ts";
export * from "./derivation.ts";
export * from "./errors.ts";
export * from "./hex.ts";
export * from "./keystore.ts";
export * from "./loader.ts";
export * from "./lockfile.ts";
export * from "./pool.ts";
