export * from "./fullNode.ts";
export * from "./syncProtocol.ts";
export * from "./types.ts";
export * from "./upgrade.ts";
