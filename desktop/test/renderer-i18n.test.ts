/**
 * The renderer's message tables (in `npm test`; the browser suite checks the rendered screens):
 * en and es have the same keys, no empty message, the same {placeholders}, and every literal
 * `t("key")` in the renderer's sources names a message that exists.
 */
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, test} from "vitest";
import en from "../src/renderer/i18n/en.json" with {type: "json"};
import es from "../src/renderer/i18n/es.json" with {type: "json"};

const RENDERER = join(import.meta.dirname, "..", "src", "renderer");
const tables: Record<string, Record<string, string>> = {en, es};
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".tsx") ? [join(dir, e.name)] : [],
  );
}

describe("renderer messages", () => {
  test("en and es have the same keys and the same placeholders; none is empty", () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const [lang, table] of Object.entries(tables)) {
      for (const [k, v] of Object.entries(table)) {
        if (k !== "reason.none") expect(v.trim(), `${lang}: ${k}`).not.toBe("");
        expect(placeholders(v), `${lang}: ${k}`).toEqual(placeholders((en as Record<string, string>)[k]));
      }
    }
  });

  test('every t("key") used by the renderer exists', () => {
    const files = sources(RENDERER);
    expect(files.length).toBeGreaterThan(4);
    const used = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(f, "utf8").matchAll(/\bt\("([\w.]+)"/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((k) => !(k in en))).toEqual([]);
  });

  test("keys built at run time (network, process state, validator status, …) all exist", () => {
    const dynamic = [
      ...["dev", "hoodi", "sepolia", "mainnet"].map((n) => `network.${n}`),
      ...["nothing", "executionClient", "checkpointSync", "realEth", "testnetEth"].map((n) => `needs.${n}`),
      ...["dev", "beacon", "validator"].map((p) => `proc.${p}`),
      ...["stopped", "starting", "running", "restarting", "failed", "doppelganger"].map((s) => `state.${s}`),
      ...["none", "doppelganger", "crashLoop", "spawnError", "exited"].map((r) => `reason.${r}`),
      ...[
        "pending_initialized",
        "pending_queued",
        "active_ongoing",
        "active_exiting",
        "active_slashed",
        "exited_unslashed",
        "exited_slashed",
        "withdrawal_possible",
        "withdrawal_done",
      ].map((s) => `vstatus.${s}`),
      ...["system", "light", "dark"].map((s) => `theme.${s}`),
      ...["all", "error", "warn", "info", "debug"].map((l) => `logs.level.${l}`),
      ...["welcome", "network", "execution", "keySource", "withdrawal", "review", "done"].map(
        (s) => `onb.stepName.${s}`,
      ),
    ];
    expect(dynamic.filter((k) => !(k in en))).toEqual([]);
  });
});
