/**
 * `ceibo beacon --network hoodi` for real (processes, database, mock engine), and the data directory guard.
 *
 * The hoodi node starts from a checkpoint the test builds: a small mainnet-preset fulu state (16 interop
 * validators) carrying hoodi's genesis validators root and genesis time at the current epoch, and its block.
 * NOTHING leaves the machine: --bootnodes none (hoodi's real bootnodes are never added), every listener on
 * 127.0.0.1, no static peers, the checkpoint read from files and the engine a local `ceibo mock-engine`.
 */

import {spawnSync} from "node:child_process";
import {createHash, randomBytes} from "node:crypto";
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {type AddressInfo, createServer} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {CEIBO, ceibo, freePort, getJson, NODE, type Proc, until} from "../../test/harness/processes.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "mainnet";
const {createDevChainConfig, networks} = await import("@ceibo/config");
const {createInteropGenesisState} = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;

const HOODI = networks.hoodi;
const HOODI_GT = HOODI.genesis?.genesisTime as number;
const HOODI_GVR = HOODI.genesis?.genesisValidatorsRoot as Uint8Array;

const dirs: string[] = [];
const procs: Proc[] = [];
function tempDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `ceibo-${name}-`));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  for (const p of procs) await p.kill("SIGKILL");
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** `ceibo <args>` run to completion (for the refused starts). */
function run(args: string[], env: Record<string, string | undefined> = {}) {
  return spawnSync(NODE, [CEIBO, ...args], {encoding: "utf8", env: {...process.env, ...env}, timeout: 60_000});
}

/** Every file under `dir` with its size and content hash, and every directory: what a refused start must not change. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        out.push(`${p}/ ${st.mtimeMs}`);
        walk(p);
      } else {
        out.push(`${p} ${st.size} ${st.mtimeMs} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** User + system CPU time of a process so far, in seconds (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * A fulu checkpoint state of `validators` interop validators at the first slot of the current hoodi epoch, with
 * hoodi's fork, genesis time and (unless `gvr` says otherwise) genesis validators root, and the block whose
 * post-state it is (an empty body; header filled in as process_block_header would).
 */
function hoodiCheckpoint(dir: string, gvr: Uint8Array = HOODI_GVR): {state: string; block: string; slot: number} {
  const config = createDevChainConfig({preset: "mainnet"});
  const {state} = createInteropGenesisState(config, {validatorCount: 16, genesisTime: HOODI_GT});
  const epoch = Math.floor((Date.now() / 1000 - HOODI_GT) / 12 / 32);
  const slot = epoch * 32;
  const body = ssz.fulu.BeaconBlockBody.defaultValue();
  const parentRoot = new Uint8Array(randomBytes(32));
  state.slot = slot;
  state.genesisValidatorsRoot = gvr;
  state.fork = ssz.phase0.Fork.toViewDU({
    previousVersion: HOODI.chainConfig.ELECTRA_FORK_VERSION,
    currentVersion: HOODI.chainConfig.FULU_FORK_VERSION,
    epoch: HOODI.chainConfig.FULU_FORK_EPOCH,
  });
  state.latestBlockHeader = ssz.phase0.BeaconBlockHeader.toViewDU({
    slot,
    proposerIndex: 0,
    parentRoot,
    stateRoot: new Uint8Array(32),
    bodyRoot: ssz.fulu.BeaconBlockBody.hashTreeRoot(body),
  });
  state.commit();
  const stateRoot = state.hashTreeRoot();
  const block = {message: {slot, proposerIndex: 0, parentRoot, stateRoot, body}, signature: new Uint8Array(96)};
  const files = {state: join(dir, "state.ssz"), block: join(dir, "block.ssz"), slot};
  writeFileSync(files.state, state.serialize());
  writeFileSync(files.block, ssz.fulu.SignedBeaconBlock.serialize(block));
  return files;
}

describe("ceibo beacon --network hoodi", () => {
  let work: string;
  let dataDir: string;
  let jwt: string;
  let engineUrl: string;

  beforeAll(async () => {
    work = tempDir("hoodi");
    dataDir = join(work, "data");
    jwt = join(work, "jwt.hex");
    writeFileSync(jwt, `0x${randomBytes(32).toString("hex")}\n`);
    const engine = ceibo("el", ["mock-engine", "--host", "127.0.0.1", "--port", "0", "--jwt-secret", jwt]);
    procs.push(engine);
    engineUrl = (await engine.waitFor(/mock engine listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1];
  }, 90_000);

  it("the help texts name the public networks and what they need", () => {
    const top = run(["--help"]);
    expect(top.stdout).toMatch(
      /beacon +run a beacon node: mainnet, hoodi, sepolia \(checkpoint sync \+ execution client\)/,
    );
    expect(top.stdout).toMatch(/The preset follows --network for mainnet, hoodi and sepolia/);
    const help = run(["beacon", "--help"]);
    expect(help.status).toBe(0);
    for (const text of [
      "ceibo beacon --network mainnet|hoodi|sepolia --execution-urls URL --jwt-secret FILE",
      "--checkpoint-sync-url URL",
      '"none": no bootnodes at all',
      "<data-dir>/ceibo-data.json",
      "Old spelling: --execution.urls",
    ]) {
      expect(help.stdout).toContain(text);
    }
  });

  it("started with nothing: one error line naming the options to give; nothing written", () => {
    const r = run(["beacon", "--network", "hoodi", "--data-dir", dataDir]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /--network hoodi needs a starting state \(--checkpoint-sync-url URL .*--checkpoint-state FILE --checkpoint-block FILE.*--genesis-state FILE\) and an execution client \(--execution-urls URL --jwt-secret FILE/,
    );
    expect(existsSync(dataDir)).toBe(false);
    // with an engine but no state: only the state is asked for
    const noState = run(["beacon", "--network", "hoodi", "--execution-urls", engineUrl, "--jwt-secret", jwt]);
    expect(noState.stderr.trim()).toMatch(/^ceibo beacon: --network hoodi needs a starting state \(.*\)$/);
    // the preset follows the network; a contradicting one is refused
    const minimal = run(["beacon", "--network", "hoodi"], {CEIBO_PRESET: "minimal"});
    expect(minimal.status).toBe(1);
    expect(minimal.stderr.trim()).toBe(
      "ceibo beacon: CEIBO_PRESET=minimal contradicts --network hoodi, which runs the mainnet preset (the preset follows the network: unset CEIBO_PRESET)",
    );
  });

  it("refuses a checkpoint of another chain (genesis validators root), writing no chain", () => {
    const cp = hoodiCheckpoint(tempDir("hoodi-wrong"), new Uint8Array(32).fill(7));
    const wrongDir = join(work, "wrong");
    const r = run([
      "beacon",
      "--network",
      "hoodi",
      "--data-dir",
      wrongDir,
      "--checkpoint-state",
      cp.state,
      "--checkpoint-block",
      cp.block,
      "--execution-urls",
      engineUrl,
      "--jwt-secret",
      jwt,
      "--bootnodes",
      "none",
      "--listen-address",
      "127.0.0.1",
      "--port",
      "0",
      "--rest",
      "false",
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`has genesis_validators_root 0x(07){32}, this network's is ${toHex(HOODI_GVR)}`),
    );
    expect(existsSync(join(wrongDir, "ceibo-data.json"))).toBe(false);
    // that data dir holds no chain: it still needs a starting state
    const again = run([
      "beacon",
      "--network",
      "hoodi",
      "--data-dir",
      wrongDir,
      "--execution-urls",
      engineUrl,
      "--jwt-secret",
      jwt,
    ]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/--network hoodi needs a starting state/);
  }, 60_000);

  it("refuses a genesis state of another chain, and asks for the engine when only that is missing", () => {
    // a hoodi-shaped genesis (deneb at genesis, hoodi's fork version and genesis time) with its own validators root
    const config = createDevChainConfig({preset: "mainnet", forkEpochs: {electra: Number.POSITIVE_INFINITY}});
    const {state} = createInteropGenesisState(config, {validatorCount: 16, genesisTime: HOODI_GT});
    state.fork = ssz.phase0.Fork.toViewDU({
      previousVersion: HOODI.chainConfig.DENEB_FORK_VERSION,
      currentVersion: HOODI.chainConfig.DENEB_FORK_VERSION,
      epoch: 0,
    });
    state.commit();
    const file = join(tempDir("hoodi-genesis"), "genesis.ssz");
    writeFileSync(file, state.serialize());
    const common = ["beacon", "--network", "hoodi", "--genesis-state", file, "--bootnodes", "none", "--rest", "false"];
    const noEngine = run([...common, "--data-dir", join(work, "genesis")]);
    expect(noEngine.stderr.trim()).toBe(
      "ceibo beacon: --network hoodi needs an execution client (--execution-urls URL --jwt-secret FILE, e.g. http://127.0.0.1:8551)",
    );
    const r = run([
      ...common,
      ...["--data-dir", join(work, "genesis"), "--execution-urls", engineUrl, "--jwt-secret", jwt],
      ...["--listen-address", "127.0.0.1", "--port", "0"],
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `${file} has genesis_validators_root ${toHex(state.genesisValidatorsRoot)}, not hoodi's ${toHex(HOODI_GVR)}`,
    );
    expect(existsSync(join(work, "genesis", "ceibo-data.json"))).toBe(false);
  }, 60_000);

  it("runs from a hoodi checkpoint with 0 peers (said every slot), serves hoodi's genesis, stops cleanly on SIGTERM", async () => {
    const cp = hoodiCheckpoint(work);
    // any free ports (0): chosen by the node itself, so no other test can take them in between
    const bn = ceibo(
      "bn",
      [
        "beacon",
        "--network",
        "hoodi",
        "--data-dir",
        dataDir,
        "--checkpoint-state",
        cp.state,
        "--checkpoint-block",
        cp.block,
        "--execution.urls", // the old spelling is still accepted
        engineUrl,
        "--jwt-secret",
        jwt,
        "--bootnodes",
        "none",
        "--listen-address",
        "127.0.0.1",
        "--port",
        "0",
        "--rest.port",
        "0",
      ],
      {CEIBO_PRESET: ""},
    );
    procs.push(bn);
    await bn.waitFor(/Discovery started.*bootnodes=0/, 120_000);
    const api = (await bn.waitFor(/Beacon API listening url=(http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1];
    const genesis = await until(
      "the Beacon API",
      60_000,
      () => getJson<{data: {genesis_validators_root: string; genesis_time: string}}>(`${api}/eth/v1/beacon/genesis`),
      [bn],
    );
    expect(genesis.data.genesis_validators_root).toBe(toHex(HOODI_GVR));
    expect(genesis.data.genesis_time).toBe(String(HOODI_GT));
    const spec = await getJson<{data: Record<string, string>}>(`${api}/eth/v1/config/spec`);
    expect(spec.data.CONFIG_NAME).toBe("hoodi");
    expect(spec.data.SLOTS_PER_EPOCH).toBe("32"); // mainnet preset without CEIBO_PRESET
    // two slot lines in a row (12 s slots) saying that no peer is reachable
    await bn.waitFor(
      /Slot \d+ .*\| peers 0 \(no peers reachable: still searching via discovery\)[^\n]*\n(.*\n)*.*Slot \d+ .*\| peers 0 \(no peers/,
      90_000,
    );
    // with no peer to find, the node idles: CPU time over the next full slot stays far below one core (no busy loop)
    const slotLines = (): number => bn.output.match(/\| peers 0 \(no peers reachable/g)?.length ?? 0;
    const cpu0 = cpuSeconds(bn.child.pid as number);
    const wall0 = Date.now();
    const lines0 = slotLines();
    await until("another slot", 60_000, async () => slotLines() >= lines0 + 1 && Date.now() - wall0 >= 12_000, [bn]);
    const share = (cpuSeconds(bn.child.pid as number) - cpu0) / ((Date.now() - wall0) / 1000);
    if (process.env.DEBUG_BN) console.log(`idle CPU share with 0 peers: ${(share * 100).toFixed(1)}%`);
    expect(share, "CPU share of one core while idle").toBeLessThan(0.5);
    const peers = await getJson<{data: {connected: string}}>(`${api}/eth/v1/node/peer_count`);
    expect(peers.data.connected).toBe("0");
    expect(bn.output).toMatch(new RegExp(`Checkpoint sync: starting from the checkpoint.*${cp.slot}`));
    const record = JSON.parse(readFileSync(join(dataDir, "ceibo-data.json"), "utf8"));
    expect(record).toMatchObject({network: "hoodi", preset: "mainnet", genesisValidatorsRoot: toHex(HOODI_GVR)});
    expect(await bn.kill("SIGTERM", 30_000)).toBe(0);
    expect(bn.output).toMatch(/Received SIGTERM, shutting down/);
    expect(bn.output).toMatch(/Beacon node stopped, database closed/);
    if (process.env.DEBUG_BN) console.log(bn.output);
  }, 240_000);

  it("resumes the data dir without checkpoint options; an unreachable or JWT-refusing engine is warned about, and every slot's status line says EL ERROR", async () => {
    const bad = join(work, "other-jwt.hex");
    writeFileSync(bad, `0x${randomBytes(32).toString("hex")}\n`);
    const cases: [string, string, RegExp][] = [
      ["unreachable", `http://127.0.0.1:${await freePort()}`, /forkchoiceUpdated failed.*(ECONNREFUSED|fetch failed)/],
      ["JWT refused", engineUrl, /forkchoiceUpdated failed.*HTTP 401: JWT rejected/],
    ];
    for (const [what, url, cause] of cases) {
      const bn = ceibo(`bn-${what}`, [
        "beacon",
        "--network",
        "hoodi",
        "--data-dir",
        dataDir,
        "--execution-urls",
        url,
        "--jwt-secret",
        what === "JWT refused" ? bad : jwt,
        "--bootnodes",
        "none",
        "--listen-address",
        "127.0.0.1",
        "--port",
        "0",
        "--rest",
        "false",
      ]);
      procs.push(bn);
      const warning =
        /WARN {2}(?:\[\w+\] )?Execution client \S+ is not usable \(unreachable, or refusing our JWT\)[^\n]*\n/g;
      // one warning at once (then one per epoch, not every slot), and the per-slot status line says EL ERROR
      await until(
        `an engine warning and two status lines with EL ERROR (${what})`,
        90_000,
        async () => (bn.output.match(warning)?.length ?? 0) >= 1 && (bn.output.match(/EL ERROR/g)?.length ?? 0) >= 2,
        [bn],
      );
      expect(bn.output, what).toMatch(cause);
      expect(bn.output).toMatch(/Resumed chain from the database/);
      expect(await bn.kill("SIGTERM", 30_000), what).toBe(0);
    }
  }, 240_000);

  it("the hoodi data dir is refused for a dev chain: one line naming network, root and fix; the dir untouched", () => {
    const before = snapshot(dataDir);
    const r = run(["beacon", "--network", "dev", "--data-dir", dataDir], {CEIBO_PRESET: "minimal"});
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toBe(
      `ceibo beacon: data dir ${dataDir} belongs to network hoodi (genesis validators root ${toHex(HOODI_GVR)}, ` +
        `genesis time ${HOODI_GT}), not dev; use another --data-dir or remove it`,
    );
    expect(snapshot(dataDir)).toEqual(before);
  });
});

describe("a failed start exits", () => {
  it("the p2p port taken (after the Beacon API started): the error, exit 1, not a process left running", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const bn = ceibo(
        "bn-port-taken",
        ["beacon", "--network", "dev", "--data-dir", join(tempDir("taken"), "d"), "--dev.validators", "8"].concat([
          "--p2p",
          "true",
          "--listen-address",
          "127.0.0.1",
          "--port",
          String(port),
          "--rest.port",
          "0",
        ]),
        {CEIBO_PRESET: "minimal"},
      );
      procs.push(bn);
      const code = await Promise.race([bn.exited, new Promise((r) => setTimeout(() => r("still running"), 60_000))]);
      expect(code, bn.output).toBe(1);
      expect(bn.output).toMatch(/Beacon API listening/);
      expect(bn.output).toMatch(/ceibo beacon: .*EADDRINUSE/s);
    } finally {
      taken.close();
    }
  }, 90_000);
});

describe("data directory guard: a dev chain's data dir", () => {
  let dataDir: string;
  let genesisTime: number;

  beforeAll(async () => {
    dataDir = join(tempDir("guard"), "data");
    genesisTime = Math.floor(Date.now() / 1000) + 2;
    const args = ["beacon", "--network", "dev", "--data-dir", dataDir, "--dev.validators", "16", "--rest", "false"];
    const bn = ceibo("dev-bn", [...args, "--dev.genesis-time", String(genesisTime), "--dev.slot-duration-ms", "2000"], {
      CEIBO_PRESET: "minimal",
    });
    procs.push(bn);
    await bn.waitFor(/Slot \d+ \| head/, 120_000);
    expect(await bn.kill("SIGTERM", 30_000)).toBe(0);
  }, 180_000);

  const cases: [string, string[], Record<string, string>, (dir: string) => string][] = [
    [
      "another preset",
      [],
      {CEIBO_PRESET: "mainnet"},
      (d) =>
        `holds a minimal-preset chain of network dev .*, but this process runs the mainnet preset; run with CEIBO_PRESET=minimal, or use another --data-dir or remove it$`.replace(
          /^/,
          `data dir ${d} `,
        ),
    ],
    [
      "another validator count",
      ["--dev.validators", "64"],
      {CEIBO_PRESET: "minimal"},
      (d) =>
        `data dir ${d} holds a dev chain of 16 validators \\(genesis time \\d+\\), not 64; leave out --dev.validators, or use another --data-dir or remove it$`,
    ],
    [
      "another genesis time",
      ["--dev.genesis-time", "1700000000"],
      {CEIBO_PRESET: "minimal"},
      (d) =>
        `data dir ${d} holds a dev chain of 16 validators \\(genesis time \\d+\\), not genesis time 1700000000; leave out --dev.genesis-time \\(or give \\d+\\), or use another --data-dir or remove it$`,
    ],
    [
      "other fork epochs",
      ["--dev.fork", "deneb"],
      {CEIBO_PRESET: "minimal"},
      (d) =>
        `data dir ${d} holds a dev chain .* with fork epochs altair=0,bellatrix=0,capella=0,deneb=0,electra=0,fulu=0, not altair=0,bellatrix=0,capella=0,deneb=0,electra=never,fulu=never; start it with --dev.fork fulu, or use another --data-dir or remove it$`,
    ],
  ];
  for (const [what, extra, env, message] of cases) {
    it(`${what}: one clear line, the data dir untouched`, () => {
      const before = snapshot(dataDir);
      const r = run(
        [
          "beacon",
          "--network",
          "dev",
          "--data-dir",
          dataDir,
          "--rest",
          "false",
          "--dev.slot-duration-ms",
          "2000",
          ...extra,
        ],
        env,
      );
      expect(r.status, r.stdout + r.stderr).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^ceibo beacon: ${message(dataDir)}`));
      expect(snapshot(dataDir)).toEqual(before);
    });
  }

  it("the record names what the chain was made with", () => {
    const record = JSON.parse(readFileSync(join(dataDir, "ceibo-data.json"), "utf8"));
    expect(record).toEqual({
      network: "dev",
      preset: "minimal",
      configName: "dev",
      genesisValidatorsRoot: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      genesisTime,
      dev: {
        validators: 16,
        slotDurationMs: 2000,
        forkEpochs: {altair: 0, bellatrix: 0, capella: 0, deneb: 0, electra: 0, fulu: 0},
      },
    });
  });
});
