/**
 * installers/grafana in the default test run (no Prometheus needed; `npm run test:metrics` runs every query
 * against a real one): the dashboards are well-formed Grafana JSON (unique ids, panels inside the 24-column grid
 * without overlapping, every target with a query on the `datasource` variable) and they and the alert rules name
 * only metrics that ceibo's registries declare.
 */
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {BeaconMetrics, ValidatorMonitor} from "@ceibo/beacon-node/metrics";
import {ValidatorClientMetrics} from "@ceibo/validator-client";
import {describe, expect, it} from "vitest";
import {ROOT} from "../harness/processes.ts";

const DIR = join(ROOT, "installers/grafana");
const METRIC = /\b(?:beacon|validator_monitor|vc|libp2p|gossipsub|process|nodejs)_\w+/g;

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: {x: number; y: number; w: number; h: number};
  datasource?: {uid: string};
  targets?: {expr: string; refId: string; datasource?: {uid: string}}[];
}

/** Every metric name the node (metrics + validator monitor) and the validator client declare. */
function declared(): Set<string> {
  const beacon = new BeaconMetrics();
  // the monitor's constructor only declares its metrics on the registry; its chain is read at scrape time only
  new ValidatorMonitor(null as never, beacon.registry);
  const vc = new ValidatorClientMetrics();
  return new Set([...beacon.registry.getMetricsAsArray(), ...vc.registry.getMetricsAsArray()].map((m) => m.name));
}

function isDeclared(names: Set<string>, name: string): boolean {
  return names.has(name) || names.has(name.replace(/_(bucket|sum|count)$/, ""));
}

describe("installers/grafana", () => {
  const names = declared();

  for (const file of ["ceibo-beacon-node.json", "ceibo-validator-client.json", "ceibo-validator-monitor.json"]) {
    it(`${file} is a well-formed dashboard naming declared metrics`, () => {
      const d = JSON.parse(readFileSync(join(DIR, file), "utf8")) as {
        uid: string;
        title: string;
        schemaVersion: number;
        templating: {list: {name: string; type: string}[]};
        panels: Panel[];
      };
      expect(d.uid).toBe(file.replace(/\.json$/, ""));
      expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(d.templating.list.map((v) => `${v.name}:${v.type}`)).toEqual([
        "datasource:datasource",
        "job:query",
        "instance:query",
      ]);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        const {x, y, w, h} = p.gridPos;
        expect(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${p.title} inside the grid`).toBe(true);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`), `${p.title} overlaps another panel at ${i},${j}`).toBe(false);
            cells.add(`${i},${j}`);
          }
        }
        if (p.type === "row") continue;
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
        expect(p.datasource?.uid).toBe("${datasource}");
        expect(p.targets?.length, `${p.title} has a query`).toBeGreaterThan(0);
        const refIds = (p.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
        for (const t of p.targets ?? []) {
          expect(t.expr).toMatch(/job="\$job",instance=~"\$instance"/);
          for (const name of t.expr.match(METRIC) ?? []) {
            expect(isDeclared(names, name), `${file} "${p.title}" uses ${name}`).toBe(true);
          }
        }
      }
    });
  }

  it("alerts.yml covers out of sync, no peers, missed attestations, low disk, execution client offline", () => {
    const text = readFileSync(join(DIR, "alerts.yml"), "utf8");
    const alerts = [...text.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    for (const wanted of [
      "CeiboBeaconNodeOutOfSync",
      "CeiboBeaconNodeNoPeers",
      "CeiboMissedAttestationsInARow",
      "CeiboLowDiskSpace",
      "CeiboExecutionClientOffline",
    ]) {
      expect(alerts).toContain(wanted);
    }
    const exprs = [...text.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]);
    expect(exprs).toHaveLength(alerts.length);
    for (const expr of exprs) {
      for (const name of expr.match(METRIC) ?? []) expect(isDeclared(names, name), `alert uses ${name}`).toBe(true);
    }
    expect([...text.matchAll(/severity: (warning|critical)/g)]).toHaveLength(alerts.length);
    expect([...text.matchAll(/summary: /g)]).toHaveLength(alerts.length);
  });
});
