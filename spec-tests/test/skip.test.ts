import {describe, expect, it} from "vitest";
import {compilePattern, findSkip, loadSkipFile, parseSkipFile} from "../src/skip.ts";

describe("skip file", () => {
  it("rejects an entry without a reason", () => {
    expect(() => parseSkipFile(`- pattern: "*/*/operations"\n`)).toThrow(/reason/);
    expect(() => parseSkipFile(`- pattern: "*/*/operations"\n  reason: "  "\n`)).toThrow(/reason/);
  });

  it("rejects entries without a pattern, unknown keys, and non-list files", () => {
    expect(() => parseSkipFile(`- reason: "why"\n`)).toThrow(/pattern/);
    expect(() => parseSkipFile(`- pattern: "a"\n  reason: "why"\n  resaon: "typo"\n`)).toThrow(/unknown key/);
    expect(() => parseSkipFile(`pattern: "a"\nreason: "why"\n`)).toThrow(/list/);
    expect(() => parseSkipFile(`- pattern: "a/b/c/d/e/f/g"\n  reason: "why"\n`)).toThrow(/segments/);
  });

  it("matches prefixes and globs per segment", () => {
    const rules = parseSkipFile(`
- pattern: "*/*/operations"
  reason: "r1"
- pattern: "minimal/fulu/ssz_static/Beacon*/ssz_random/case_?"
  reason: "r2"
`);
    expect(findSkip(rules, "minimal/phase0/operations/attestation/pyspec_tests/x")?.reason).toBe("r1");
    expect(findSkip(rules, "minimal/phase0/operations_extra/a/b/c")).toBeUndefined();
    expect(findSkip(rules, "minimal/fulu/ssz_static/BeaconState/ssz_random/case_3")?.reason).toBe("r2");
    expect(findSkip(rules, "minimal/fulu/ssz_static/BeaconState/ssz_random/case_10")).toBeUndefined();
    expect(findSkip(rules, "minimal/fulu/ssz_static/Checkpoint/ssz_random/case_3")).toBeUndefined();
    expect(compilePattern("minimal")("minimal/a/b/c/d/e")).toBe(true);
    expect(compilePattern("minimal")("mainnet/a/b/c/d/e")).toBe(false);
  });

  it("the repository skip file loads and every entry has a reason", () => {
    const rules = loadSkipFile(new URL("../skip.yaml", import.meta.url).pathname);
    for (const r of rules) expect(r.reason.length).toBeGreaterThan(0);
    // light_client/sync and data_collection run (issue 15): no light-client case is skipped any more
    expect(findSkip(rules, "minimal/altair/light_client/sync/pyspec_tests/x")).toBeUndefined();
    expect(findSkip(rules, "minimal/fulu/light_client/data_collection/pyspec_tests/x")).toBeUndefined();
  });
});
