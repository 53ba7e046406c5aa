/**
 * Runs every EIP-3076 interchange test case in shared/vectors/slashing-protection-interchange-tests
 * (v5.3.0), each in a fresh store. Ours is a complete store, so each signing is checked against
 * `should_succeed_complete`.
 */
import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {SlashingProtectionError} from "../src/index.ts";
import {tempStore} from "./helpers.ts";

/** $SLASHING_PROTECTION_VECTORS, or ../shared/vectors/... next to the repository. */
const VECTORS =
  process.env.SLASHING_PROTECTION_VECTORS ??
  path.resolve(import.meta.dirname, "../../../shared/vectors/slashing-protection-interchange-tests/tests/generated");

type Case = {
  name: string;
  genesis_validators_root: string;
  steps: {
    should_succeed: boolean;
    contains_slashable_data: boolean;
    interchange: unknown;
    blocks: {pubkey: string; slot: string; signing_root?: string; should_succeed_complete: boolean}[];
    attestations: {
      pubkey: string;
      source_epoch: string;
      target_epoch: string;
      signing_root?: string;
      should_succeed_complete: boolean;
    }[];
  }[];
};

const ZERO_ROOT = "0x" + "00".repeat(32);
const files = readdirSync(VECTORS)
  .filter((f) => f.endsWith(".json"))
  .sort();
const passed: string[] = [];

async function attempt(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    if (e instanceof SlashingProtectionError) return false;
    throw e;
  }
}

describe("EIP-3076 interchange test vectors", () => {
  it("finds all 38 cases", () => {
    expect(files.length).toBe(38);
  });

  for (const file of files) {
    it(file.replace(/\.json$/, ""), async () => {
      const tc = JSON.parse(readFileSync(path.join(VECTORS, file), "utf8")) as Case;
      const {store, cleanup} = await tempStore(tc.genesis_validators_root);
      try {
        for (const [i, step] of tc.steps.entries()) {
          const imported = await attempt(() => store.importInterchange(step.interchange, tc.genesis_validators_root));
          expect(imported, `step ${i} import`).toBe(step.should_succeed);
          if (!imported) continue;
          for (const [j, b] of step.blocks.entries()) {
            const ok = await attempt(() => store.checkAndInsertBlock(b.pubkey, b.slot, b.signing_root ?? ZERO_ROOT));
            expect(ok, `step ${i} block ${j} (slot ${b.slot})`).toBe(b.should_succeed_complete);
          }
          for (const [j, a] of step.attestations.entries()) {
            const ok = await attempt(() =>
              store.checkAndInsertAttestation(a.pubkey, a.source_epoch, a.target_epoch, a.signing_root ?? ZERO_ROOT),
            );
            expect(ok, `step ${i} attestation ${j} (${a.source_epoch}, ${a.target_epoch})`).toBe(
              a.should_succeed_complete,
            );
          }
        }
        expect(await store.checkConsistency()).toEqual([]);
        // A complete export re-imported into an empty store holds exactly the same records, so it gives the
        // same answers to every future request.
        const exported = await store.exportInterchange(tc.genesis_validators_root);
        const copy = await tempStore(tc.genesis_validators_root);
        try {
          await copy.store.importInterchange(JSON.stringify(exported), tc.genesis_validators_root);
          expect(await copy.store.exportInterchange(tc.genesis_validators_root)).toEqual(exported);
        } finally {
          await copy.cleanup();
        }
        passed.push(tc.name);
      } finally {
        await cleanup();
      }
    });
  }

  afterAll(() => {
    console.log(`slashing-protection interchange vectors: ${passed.length}/${files.length} passed`);
  });
});
