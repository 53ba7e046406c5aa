import {fromHex, toHex} from "@ceibo/utils";
import type {RootHex} from "../protoArray/interface.ts";

export function toRootHex(root: Uint8Array): RootHex {
  if (root.length !== 32) throw Error(`a root is 32 bytes, got ${root.length}`);
  return toHex(root);
}

export function fromRootHex(root: RootHex): Uint8Array {
  if (!/^0x[0-9a-f]{64}$/.test(root)) throw Error(`not a 0x-prefixed lowercase 32-byte hex root: "${root}"`);
  return fromHex(root, "root");
}

export const ZERO_ROOT_HEX: RootHex = `0x${"00".repeat(32)}`;
