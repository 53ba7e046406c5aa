import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {SlashingProtection} from "../src/index.ts";

export const GVR = "0x" + "00".repeat(32);

/** A fresh store in a new temp directory; `cleanup` closes it and removes the directory. */
export async function tempStore(
  gvr = GVR,
): Promise<{store: SlashingProtection; dir: string; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(path.join(tmpdir(), "ceibo-sp-"));
  const store = await SlashingProtection.open({path: dir, genesisValidatorsRoot: gvr, sync: false});
  return {
    store,
    dir,
    cleanup: async () => {
      await store.close();
      await rm(dir, {recursive: true, force: true});
    },
  };
}

export function pubkey(n: number): string {
  return "0x" + n.toString(16).padStart(2, "0").repeat(48);
}

export function root(n: number): string {
  return "0x" + n.toString(16).padStart(64, "0");
}
