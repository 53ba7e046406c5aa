/**
 * A real Prometheus scrapes a `ceibo dev --metrics` network (beacon node + validator client) for at least 60 s;
 * then its HTTP query API must show an advancing `beacon_head_slot`, `beacon_finalized_epoch` ≥ 1, the validator
 * monitor's series for the validator client's 64 validators and the validator client's own metrics. The alert
 * rules of installers/grafana/alerts.yml are loaded into that Prometheus (every rule must evaluate, the no-peers
 * alert must go pending on this p2p-less dev node and the others stay quiet), and every query of the Grafana
 * dashboards must run and name only metrics that ceibo declares. `promtool check rules` passes on the rules and
 * `promtool check metrics` on both processes' /metrics. A second case runs two p2p beacon nodes and checks the
 * gossip and req/resp metrics of both.
 *
 * Runs only with METRICS_TEST=1: `npm run test:metrics` (installs Debian's prometheus when missing). ~3 min.
 */
import {spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ceibo, freePort, Proc, ROOT, until} from "../harness/processes.ts";

const RULES = join(ROOT, "installers/grafana/alerts.yml");
const DASHBOARDS = {
  "ceibo-beacon-node.json": "ceibo-beacon",
  "ceibo-validator-monitor.json": "ceibo-beacon",
  "ceibo-validator-client.json": "ceibo-validator",
} as const;
/** The scrape window the issue asks for. */
const WINDOW_MS = 60_000;

const procs: Proc[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of procs) await p.killAll();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

type Sample = {metric: Record<string, string>; value: [number, string]};

describe.runIf(process.env.METRICS_TEST === "1")("a real Prometheus scraping ceibo dev --metrics", () => {
  it("sees the chain advance and finalize, the validator monitor and the validator client; rules and dashboards work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ceibo-prometheus-"));
    dirs.push(dir);
    const ports = new Set<number>();
    while (ports.size < 4) ports.add(await freePort());
    const [restPort, bnPort, vcPort, promPort] = [...ports];

    const dev = ceibo(
      "ceibo dev --metrics",
      [
        "dev",
        "--metrics",
        "--metrics.port",
        String(bnPort),
        "--metrics.validator-port",
        String(vcPort),
        "--rest.port",
        String(restPort),
        "--keymanager",
        "false",
        "--genesis-delay",
        "5",
      ],
      {},
      {inheritPreset: false},
    );
    procs.push(dev);
    const bnUrl = (await dev.waitFor(/\[dev\] Beacon node metrics: (http:\/\/\S+)/, 120_000))[1];
    const vcUrl = (await dev.waitFor(/\[dev\] Validator client metrics: (http:\/\/\S+)/, 120_000))[1];
    expect(bnUrl).toBe(`http://127.0.0.1:${bnPort}/metrics`);
    expect(vcUrl).toBe(`http://127.0.0.1:${vcPort}/metrics`);

    // promtool's linter on what we serve (both processes)
    const exposition: Record<string, string> = {};
    for (const [name, url] of [
      ["ceibo-beacon", bnUrl],
      ["ceibo-validator", vcUrl],
    ]) {
      const res = await fetch(url);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      exposition[name] = await res.text();
      const check = spawnSync("promtool", ["check", "metrics"], {input: exposition[name], encoding: "utf8"});
      expect(check.status, `promtool check metrics (${name}):\n${check.stdout}${check.stderr}`).toBe(0);
    }
    const rules = spawnSync("promtool", ["check", "rules", RULES], {encoding: "utf8"});
    expect(rules.status, rules.stdout + rules.stderr).toBe(0);
    expect(rules.stdout).toMatch(/SUCCESS: \d+ rules found/);

    // Prometheus on loopback, temporary storage, 2 s scrapes, our alert rules
    const config = join(dir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 2s",
        "  evaluation_interval: 2s",
        "rule_files:",
        `  - ${RULES}`,
        "scrape_configs:",
        "  - job_name: ceibo-beacon",
        "    static_configs:",
        `      - targets: ["127.0.0.1:${bnPort}"]`,
        "  - job_name: ceibo-validator",
        "    static_configs:",
        `      - targets: ["127.0.0.1:${vcPort}"]`,
        "",
      ].join("\n"),
    );
    const checkConfig = spawnSync("promtool", ["check", "config", config], {encoding: "utf8"});
    expect(checkConfig.status, checkConfig.stdout + checkConfig.stderr).toBe(0);
    const prom = new Proc("prometheus", "prometheus", [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    procs.push(prom);
    const api = `http://127.0.0.1:${promPort}`;
    const query = async (expr: string): Promise<Sample[]> => {
      const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as {status: string; error?: string; data: {result: Sample[]}};
      if (body.status !== "success") throw Error(`${expr}: ${body.error}`);
      return body.data.result;
    };
    const scalar = async (expr: string): Promise<number | null> => {
      const r = await query(expr);
      return r.length === 0 ? null : Number(r[0].value[1]);
    };
    await until("Prometheus ready", 60_000, async () => (await fetch(`${api}/-/ready`)).ok, [prom, dev]);
    await until(
      "both targets scraped",
      60_000,
      async () => (await scalar('up{job="ceibo-beacon"}')) === 1 && (await scalar('up{job="ceibo-validator"}')) === 1,
      [prom, dev],
    );
    const tStart = Date.now();

    // at least the window; and until the chain finalized and the monitor evaluated an epoch
    await until(
      "60 s of scrapes, finality and the validator monitor's first epoch",
      300_000,
      async () =>
        Date.now() - tStart >= WINDOW_MS &&
        ((await scalar('beacon_finalized_epoch{job="ceibo-beacon"}')) ?? 0) >= 1 &&
        ((await scalar('validator_monitor_prev_epoch_on_chain_attester_hit_total{job="ceibo-beacon"}')) ?? 0) > 0,
      [prom, dev],
      2000,
    );
    const tEnd = Date.now();

    // beacon_head_slot advanced over the window (query_range, one point per scrape interval)
    const range = await fetch(
      `${api}/api/v1/query_range?query=${encodeURIComponent('beacon_head_slot{job="ceibo-beacon"}')}` +
        `&start=${tStart / 1000}&end=${tEnd / 1000}&step=2`,
    );
    const series = ((await range.json()) as {data: {result: {values: [number, string][]}[]}}).data.result;
    expect(series).toHaveLength(1);
    const slots = series[0].values.map(([, v]) => Number(v));
    expect(slots.length, "points over the window").toBeGreaterThanOrEqual(20);
    for (let i = 1; i < slots.length; i++) expect(slots[i]).toBeGreaterThanOrEqual(slots[i - 1]);
    expect(slots[slots.length - 1] - slots[0], `head slots ${slots[0]} → ${slots[slots.length - 1]}`).toBeGreaterThan(
      10,
    );
    // scraped without a gap
    expect(await scalar(`min_over_time(up{job="ceibo-beacon"}[${Math.floor((tEnd - tStart) / 1000)}s])`)).toBe(1);
    expect(await scalar(`min_over_time(up{job="ceibo-validator"}[${Math.floor((tEnd - tStart) / 1000)}s])`)).toBe(1);

    expect(await scalar('beacon_finalized_epoch{job="ceibo-beacon"}')).toBeGreaterThanOrEqual(1);
    expect(await scalar('beacon_current_active_validators{job="ceibo-beacon"}')).toBe(64);
    expect(await scalar('beacon_execution_engine_online{job="ceibo-beacon"}')).toBe(1);
    expect(await scalar('sum(beacon_api_requests_total{job="ceibo-beacon"})')).toBeGreaterThan(0);
    // the validator monitor: every validator the validator client attached, with balances and attestations
    expect(await scalar('validator_monitor_validators{job="ceibo-beacon"}')).toBe(64);
    expect(await scalar('count(validator_monitor_balance_gwei{job="ceibo-beacon"})')).toBe(64);
    expect(
      await scalar('validator_monitor_prev_epoch_on_chain_attester_hit_total{job="ceibo-beacon"}'),
    ).toBeGreaterThan(0);
    // the validator client: signatures by type, a synced beacon node, its keys
    expect(await scalar('vc_signed_messages_total{job="ceibo-validator",type="attestation"}')).toBeGreaterThan(0);
    expect(await scalar('vc_signed_messages_total{job="ceibo-validator",type="block"}')).toBeGreaterThan(0);
    expect(await scalar('vc_beacon_nodes_synced{job="ceibo-validator"}')).toBe(1);
    expect(await scalar('vc_validators_loaded{job="ceibo-validator"}')).toBe(64);
    expect(await scalar('sum(vc_slashing_protection_refusals_total{job="ceibo-validator"})')).toBeNull();

    // every alert rule evaluated without error; no peers (a dev node without p2p) goes pending, the rest is quiet
    const rulesApi = (await (await fetch(`${api}/api/v1/rules`)).json()) as {
      data: {groups: {rules: {name: string; health: string; lastError?: string}[]}[]};
    };
    const all = rulesApi.data.groups.flatMap((g) => g.rules);
    expect(all.length).toBe(Number(/SUCCESS: (\d+) rules/.exec(rules.stdout)?.[1]));
    for (const r of all) expect(r.health, `${r.name}: ${r.lastError}`).toBe("ok");
    const alerts = (await (await fetch(`${api}/api/v1/alerts`)).json()) as {
      data: {alerts: {labels: {alertname: string}; state: string}[]};
    };
    const active = new Map(alerts.data.alerts.map((a) => [a.labels.alertname, a.state]));
    expect(active.get("CeiboBeaconNodeNoPeers")).toBe("pending");
    for (const quiet of [
      "CeiboBeaconNodeOutOfSync",
      "CeiboExecutionClientOffline",
      "CeiboMissedAttestationsInARow",
      "CeiboValidatorClientNoSyncedBeaconNode",
      "CeiboSlashingProtectionRefusal",
      "CeiboBeaconNodeNotFinalizing",
    ]) {
      expect(active.has(quiet), `${quiet} is ${active.get(quiet)}`).toBe(false);
    }

    // the dashboards: every query runs, names only declared metrics, and the overview panels have data
    let panels = 0;
    let withData = 0;
    for (const [file, job] of Object.entries(DASHBOARDS)) {
      const dashboard = JSON.parse(readFileSync(join(ROOT, "installers/grafana", file), "utf8")) as {
        panels: {type: string; title: string; targets?: {expr: string}[]}[];
      };
      const declared = new Set([...exposition[job].matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
      for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
        panels++;
        let hasData = false;
        for (const {expr} of panel.targets ?? []) {
          for (const name of expr.match(/\b(?:beacon|validator_monitor|vc|libp2p|gossipsub|process|nodejs)_\w+/g) ??
            []) {
            const base = name.replace(/_(bucket|sum|count)$/, "");
            expect(declared.has(name) || declared.has(base), `${file} "${panel.title}" uses ${name}`).toBe(true);
          }
          const promql = expr
            .replaceAll("$job", job)
            .replaceAll("$instance", ".*")
            .replaceAll("$__rate_interval", "30s");
          const result = await query(promql);
          if (result.length > 0) hasData = true;
        }
        if (hasData) withData++;
        if (panel.type === "stat" && !/refusals|failures/i.test(panel.title)) {
          expect(hasData, `${file} stat "${panel.title}" has data`).toBe(true);
        }
      }
    }
    // how heavy a scrape is (Prometheus's own per-target series) and the monitor's once-an-epoch work
    const scrape = async (job: string): Promise<string> => {
      const seconds = await scalar(`max_over_time(scrape_duration_seconds{job="${job}"}[5m])`);
      const samples = await scalar(`scrape_samples_scraped{job="${job}"}`);
      return `${job}: ${samples} samples, slowest scrape ${((seconds ?? 0) * 1000).toFixed(1)} ms`;
    };
    const evaluation = await scalar(
      'max(rate(validator_monitor_epoch_evaluation_seconds_sum{job="ceibo-beacon"}[5m]) / rate(validator_monitor_epoch_evaluation_seconds_count{job="ceibo-beacon"}[5m]))',
    );
    console.log(
      `head slot ${slots[0]} → ${slots[slots.length - 1]} over ${Math.round((tEnd - tStart) / 1000)} s of scrapes; ` +
        `dashboards: ${withData} of ${panels} panels have data (the rest need p2p or rare events); ` +
        `${await scrape("ceibo-beacon")}; ${await scrape("ceibo-validator")}; ` +
        `validator monitor: ${evaluation === null ? "n/a" : `${(evaluation * 1000).toFixed(1)} ms`} per epoch (64 validators)`,
    );

    await dev.kill("SIGTERM", 30_000);
    await prom.kill("SIGTERM", 30_000);
  }, 600_000);

  it("counts gossip and req/resp between two p2p beacon nodes (promtool-clean with those labels)", async () => {
    const genesisTime = Math.ceil(Date.now() / 1000) + 10;
    const [p2p1, p2p2] = [await freePort(), await freePort()];
    const node = (name: string, port: number, extra: string[]): Proc => {
      const dir = mkdtempSync(join(tmpdir(), "ceibo-metrics-p2p-"));
      dirs.push(dir);
      const p = ceibo(
        name,
        [
          "beacon",
          "--network",
          "dev",
          "--data-dir",
          dir,
          "--dev.genesis-time",
          String(genesisTime),
          "--dev.slot-duration-ms",
          "2000",
          "--p2p",
          "true",
          "--discv5",
          "false",
          "--port",
          String(port),
          "--rest.port",
          "0",
          "--metrics",
          "--metrics.port",
          "0",
          ...extra,
        ],
        {CEIBO_PRESET: "minimal"},
      );
      procs.push(p);
      return p;
    };
    const n1 = node("bn1 (proposer)", p2p1, []);
    const peerId = (await n1.waitFor(/p2p network started peerId=(\S+)/, 120_000))[1];
    const url1 = (await n1.waitFor(/Metrics server listening url=(\S+)/, 10_000))[1];
    const n2 = node("bn2 (follower)", p2p2, [
      "--dev.signing",
      "false",
      "--static-peers",
      `/ip4/127.0.0.1/tcp/${p2p1}/p2p/${peerId}`,
    ]);
    const url2 = (await n2.waitFor(/Metrics server listening url=(\S+)/, 120_000))[1];
    const value = (text: string, series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    const [text1, text2] = await until(
      "gossip blocks accepted by the follower and req/resp both ways",
      180_000,
      async () => {
        const t1 = await (await fetch(url1)).text();
        const t2 = await (await fetch(url2)).text();
        const ok =
          value(t2, 'beacon_gossip_messages_total{topic="beacon_block",result="accept"}') >= 3 &&
          value(t2, "libp2p_peers") === 1 &&
          value(t2, 'beacon_reqresp_outgoing_requests_total{method="status",result="ok"}') >= 1 &&
          value(t1, 'beacon_reqresp_incoming_requests_total{method="status",result="ok"}') >= 1;
        return ok ? [t1, t2] : null;
      },
      [n1, n2],
      1000,
    );
    // every accepted gossip message was timed, and each accepted block was handled (validation + import)
    expect(value(text2, 'beacon_gossip_validation_seconds_count{topic="beacon_block",result="accept"}')).toBe(
      value(text2, 'beacon_gossip_messages_total{topic="beacon_block",result="accept"}'),
    );
    expect(value(text2, "beacon_block_gossip_arrival_to_import_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(value(text2, "beacon_processor_gossip_block_imported_total")).toBeGreaterThanOrEqual(3);
    expect(value(text1, "libp2p_peers")).toBe(1);
    // the gossip process queue is exported (and a light dev network never fills it)
    expect(text2).toMatch(/^# TYPE beacon_gossip_queue_length gauge$/m);
    expect(text2).toMatch(/^beacon_gossip_queue_dropped_total 0$/m);
    // the cumulative event-loop delay histogram: ~100 wakes a second since the node started
    expect(text2).toMatch(/^# TYPE beacon_event_loop_delay_seconds histogram$/m);
    expect(value(text2, "beacon_event_loop_delay_seconds_count")).toBeGreaterThan(100);
    expect(value(text1, "beacon_custody_groups"), "PeerDAS custody groups of a fulu node").toBeGreaterThan(0);
    for (const [name, text] of [
      ["bn1", text1],
      ["bn2", text2],
    ]) {
      const check = spawnSync("promtool", ["check", "metrics"], {input: text, encoding: "utf8"});
      expect(check.status, `promtool check metrics (${name}):\n${check.stdout}${check.stderr}`).toBe(0);
    }
    await n2.kill("SIGTERM", 30_000);
    await n1.kill("SIGTERM", 30_000);
  }, 400_000);
});
