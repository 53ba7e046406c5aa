import {readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {parse} from "yaml";
import {FORK_NAMES, mainnetPreset, minimalPreset, presetFor} from "../src/index.ts";

const PRESETS_DIR = path.resolve(import.meta.dirname, "../../../../shared/spec-tests/presets");
const presets = {mainnet: mainnetPreset, minimal: minimalPreset};

describe("presets match consensus-specs presets/<preset>/<fork>.yaml key by key", () => {
  for (const [name, preset] of Object.entries(presets)) {
    it(`${name}: every key of every fork's YAML, and nothing else`, () => {
      const seen = new Set<string>();
      for (const fork of FORK_NAMES) {
        const yamlValues = parse(readFileSync(path.join(PRESETS_DIR, name, `${fork}.yaml`), "utf8"), {
          intAsBigInt: true,
        }) as Record<string, bigint>;
        for (const [key, value] of Object.entries(yamlValues)) {
          seen.add(key);
          expect((preset as unknown as Record<string, number>)[key], `${name}/${fork}.yaml ${key}`).toBe(Number(value));
        }
      }
      expect(Object.keys(preset).sort()).toEqual([...seen].sort());
    });
  }

  it("minimal and mainnet differ where the spec says they do", () => {
    expect(minimalPreset.SLOTS_PER_EPOCH).not.toBe(mainnetPreset.SLOTS_PER_EPOCH);
    expect(minimalPreset.SYNC_COMMITTEE_SIZE).not.toBe(mainnetPreset.SYNC_COMMITTEE_SIZE);
  });

  it("presetFor rejects an unknown preset with a clear message", () => {
    expect(() => presetFor("gnosis")).toThrow(/Unknown preset "gnosis"/);
    expect(presetFor("minimal")).toBe(minimalPreset);
  });
});
