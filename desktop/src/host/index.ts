export * from "./dispatch.ts";
export * from "./errors.ts";
export * from "./host.ts";
export * from "./keygen.ts";
export * from "./keyManagement.ts";
export * from "./keymanagerClient.ts";
export * from "./settings.ts";
export * from "./supervisor.ts";
