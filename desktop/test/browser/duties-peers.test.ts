/**
 * "No peers" induced on a real two-node dev network and named in the UI (npm run test:desktop; DESKTOP_TEST=1).
 * Node A (validators 0..11) and node B (the user's validators 12..15) joined by p2p; B is cut off from A with
 * `--dev.peer-block-list` (A's peer id written to the file) for 10 slots, then let back. An in-process host attached
 * to B must explain B's validators' missed duties of those slots as "no peers" on the Duties screen.
 */
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Browser, Page} from "playwright-core";
import {afterAll, describe, expect, it} from "vitest";
import {FaultChain} from "../../../test/faults/chain.ts";
import {identity} from "../../../test/harness/devnet.ts";
import {freePort, getJson, type Proc, until} from "../../../test/harness/processes.ts";
import {createHost, type Host} from "../../src/host/host.ts";
import {startUiServer, type UiServer} from "../../src/server/server.ts";
import {RENDERER_DIST} from "../../src/server/static.ts";
import {launch, shot} from "./harness.ts";

const RUN = process.env.DESKTOP_TEST === "1";
const SLOT_MS = 2000;

describe.runIf(RUN)("missed-duty explanations: a node cut off from its peers", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-duties-peers-"));
  const chain = new FaultChain({dir, slotMs: SLOT_MS, genesisDelay: 25});
  let host: Host | undefined;
  let server: UiServer | undefined;
  let browser: Browser | undefined;
  let userDataDir: string | undefined;

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await host?.close();
    await chain.stop();
    if (userDataDir !== undefined) rmSync(userDataDir, {recursive: true, force: true});
    rmSync(dir, {recursive: true, force: true});
  }, 120_000);

  it("explains duties missed while the node had no peers", async () => {
    const blockList = join(dir, "blocklist.txt");
    writeFileSync(blockList, "# empty\n");
    const elA = await chain.startEngine("elA");
    const elB = await chain.startEngine("elB");
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await chain.startBeacon("bnA", {
      dataDir: join(dir, "bnA"),
      engineUrl: elA.url,
      p2p: {port: portA, staticPeers: []},
    });
    const idA = await identity(a.api);
    const addrA =
      idA.p2p_addresses.find((m) => m.includes("/tcp/")) ?? `/ip4/127.0.0.1/tcp/${portA}/p2p/${idA.peer_id}`;
    const b = await chain.startBeacon("bnB", {
      dataDir: join(dir, "bnB"),
      engineUrl: elB.url,
      p2p: {port: portB, staticPeers: [addrA]},
      extra: ["--dev.peer-block-list", blockList],
    });
    chain.startValidator("vcA", a.api, 0, 11);
    const vcB = chain.startValidator("vcB", b.api, 12, 15);
    const watched = (): Proc[] => chain.procs;
    const mine = new Set(["12", "13", "14", "15"]);
    host = createHost({
      dataDir: join(dir, "ui"),
      mode: "browser",
      attachedBeaconUrl: b.api,
      attachedValidatorState: async () => (vcB.running ? "running" : "stopped"),
      attachedPubkeys: async () => {
        const r = await getJson<{data: {index: string; validator: {pubkey: string}}[]}>(
          `${b.api}/eth/v1/beacon/states/head/validators`,
        );
        return r.data.filter((v) => mine.has(v.index)).map((v) => v.validator.pubkey);
      },
    });
    const h = host;
    const lastSample = async () => (await h.handlers["duties.list"]({})).lastSample;
    await until("B sampled with a peer", 180_000, async () => ((await lastSample())?.peers ?? 0) >= 1, watched);
    await until(
      "a ledger epoch",
      120_000,
      async () => (await h.handlers["ledger.get"]({})).totals.length >= 1,
      watched,
    );

    writeFileSync(blockList, `${idA.peer_id}\n`);
    const cutAt = await until(
      "B sampled with 0 peers",
      60_000,
      async () => {
        const s = await lastSample();
        return s !== null && s.peers === 0 ? s.slot : null;
      },
      watched,
    );
    await until(
      "10 slots alone",
      10 * SLOT_MS + 60_000,
      async () => ((await lastSample())?.slot ?? 0) >= cutAt + 10,
      watched,
    );
    writeFileSync(blockList, "# empty\n");
    const rec = await until(
      "a duty explained as no peers",
      8 * 8 * SLOT_MS + 180_000,
      async () => (await h.handlers["duties.list"]({})).records.find((r) => r.cause === "noPeers") ?? null,
      watched,
    );
    expect(mine.has(String(rec.validatorIndex))).toBe(true);
    expect(rec.slot).toBeGreaterThanOrEqual(cutAt - 1);

    server = await startUiServer({host, port: 0, staticDir: RENDERER_DIST});
    ({browser, userDataDir} = await launch());
    const page: Page = await browser.newPage();
    await page.goto(server.url);
    await page.locator("[data-testid=nav-duties]").click();
    await page.locator("[data-testid=duty-list] li[data-cause=noPeers]").first().waitFor({timeout: 30_000});
    expect(await page.locator("li[data-cause=noPeers] [data-testid=duty-cause]").first().textContent()).toBe(
      "The beacon node had no peers, so it could neither hear blocks nor publish your messages.",
    );
    await shot(page, "duties-no-peers");
  }, 900_000);
});
