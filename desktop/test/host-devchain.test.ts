/**
 * Heavy (DESKTOP_HOST_TEST=1, `npm run test:desktop-host`): the host's vertical slice without a browser —
 * a new mnemonic → 4 keys + deposit_data → the supervised `ceibo dev` built from that deposit data →
 * through the UI server's Beacon API proxy: the 4 keys active, balances rising, an epoch finalized.
 * Afterwards the mnemonic is in no file, log line, argv or environment of the started processes.
 */
import {mkdtempSync, readdirSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {createHost, type Host} from "../src/host/host.ts";
import {startUiServer, type UiServer} from "../src/server/server.ts";

const RUN = process.env.DESKTOP_HOST_TEST === "1";

function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid === p) queue.push(Number(entry));
      } catch {}
    }
  }
  return out;
}

describe.skipIf(!RUN)("host + supervised ceibo dev from UI-made deposit data", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-host-dev-"));
  let host: Host | undefined;
  let server: UiServer | undefined;
  afterAll(async () => {
    await server?.close();
    await host?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("4 new keys become active on the dev chain, earn, and finalize; the mnemonic leaks nowhere", async () => {
    host = createHost({dataDir: dir, mode: "browser", kdf: "pbkdf2"});
    const h = host.handlers;
    server = await startUiServer({host, port: 0, staticDir: dir});
    const get = async <T>(path: string): Promise<T> => {
      const r = await fetch(`http://127.0.0.1:${server!.port}/beacon${path}`, {
        headers: {"x-ceibo-token": server!.token},
      });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return ((await r.json()) as {data: T}).data;
    };
    const until = async <T>(what: string, f: () => Promise<T | null>, timeoutMs: number): Promise<T> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        try {
          const v = await f();
          if (v !== null) return v;
        } catch {}
        if (Date.now() > end) {
          const logs = (await h["logs.tail"]({process: "dev", lines: 40})).lines.map((l) => l.text).join("\n");
          throw new Error(`timed out waiting for ${what}\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    };

    const m = await h["keys.newMnemonic"]({});
    const phrase = m.words.join(" ");
    await h["keys.confirmMnemonic"]({
      sessionId: m.sessionId,
      words: m.confirmIndices.map((i) => m.words[i]) as [string, string, string],
    });
    const keys = await h["keys.generate"]({
      sessionId: m.sessionId,
      withdrawalKind: "eth1",
      withdrawalAddress: `0x${"ee".repeat(20)}`,
      count: 4,
      amountEth: "32",
      password: "a dev password",
    });
    expect(keys.problems).toEqual([]);
    await h["node.start"]({});
    await until("the Beacon API", async () => (await h["node.status"]({})).beaconApi, 180_000);

    const ids = keys.pubkeys.join(",");
    type V = {status: string; balance: string; validator: {pubkey: string; effective_balance: string}};
    const first = await until(
      "4 active validators",
      async () => {
        const vs = await get<V[]>(`/eth/v1/beacon/states/head/validators?id=${ids}`);
        return vs.length === 4 && vs.every((v) => v.status === "active_ongoing") ? vs : null;
      },
      180_000,
    );
    expect(first.map((v) => v.validator.pubkey).sort()).toEqual([...keys.pubkeys].sort());
    // the validator client runs exactly these keys (host → Keymanager API with the token it keeps)
    const listed = await until(
      "keys.list from the validator client",
      async () => {
        const l = await h["keys.list"]({});
        return l.source === "validatorClient" ? l : null;
      },
      60_000,
    );
    expect(listed.pubkeys.sort()).toEqual([...keys.pubkeys].sort());
    const start = first.reduce((s, v) => s + BigInt(v.balance), 0n);
    const fin = await until(
      "a finalized epoch",
      async () => {
        const cp = await get<{finalized: {epoch: string}}>("/eth/v1/beacon/states/head/finality_checkpoints");
        return Number(cp.finalized.epoch) >= 1 ? Number(cp.finalized.epoch) : null;
      },
      300_000,
    );
    expect(fin).toBeGreaterThanOrEqual(1);
    const later = await get<V[]>(`/eth/v1/beacon/states/head/validators?id=${ids}`);
    expect(later.reduce((s, v) => s + BigInt(v.balance), 0n)).toBeGreaterThan(start);

    // the mnemonic: not in the data dir's files, the host's log buffers, or any started process's argv/env
    const status = await h["node.status"]({});
    const devPid = status.processes.find((p) => p.name === "dev")!.pid!;
    const pids = descendants(devPid);
    expect(pids.length).toBeGreaterThanOrEqual(4); // dev + engine + beacon node + validator client
    for (const pid of pids) {
      for (const f of ["cmdline", "environ"]) {
        const text = readFileSync(`/proc/${pid}/${f}`, "utf8").replaceAll("\0", " ");
        expect(text.includes(phrase)).toBe(false);
        expect(text.includes(m.words.slice(0, 3).join(" "))).toBe(false);
      }
    }
    for (const entry of readdirSync(dir, {recursive: true, withFileTypes: true})) {
      if (!entry.isFile()) continue;
      const body = readFileSync(join(entry.parentPath, entry.name)).toString("utf8");
      expect(body.includes(phrase), entry.name).toBe(false);
    }
    const logs = (await h["logs.tail"]({process: "dev", lines: 2000})).lines.map((l) => l.text).join("\n");
    expect(logs.includes(phrase)).toBe(false);

    await h["node.stop"]({});
    expect((await h["node.status"]({})).processes.every((p) => p.state === "stopped")).toBe(true);
  }, 900_000);
});
