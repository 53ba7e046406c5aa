export * from "./dispatch.ts";
export * from "./errors.ts";
export {recordDutyOutcome} from "./extras.ts";
export * from "./host.ts";
export * from "./keygen.ts";
export * from "./keymanagerClient.ts";
export * from "./settings.ts";
export * from "./supervisor.ts";
