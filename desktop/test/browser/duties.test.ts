/**
 * Missed-duty explanations on a real dev network, named in the UI (npm run test:desktop; DESKTOP_TEST=1).
 *
 * The test runs `ceibo dev --validator-client false` (mock engine + beacon node, 16 interop validators), a
 * validator client with keys 0..7 as a host `SupervisedChild` and a second one with 8..15; an in-process host attached to that node (the real handler table,
 * monitor, duty watcher and ledger) behind the real browser-mode server, driven by Chromium. Faults induced:
 * 1. the first validator client stopped for 12 slots → missed duties explained as "validator client not running";
 * 2. the mock engine suspended across a few slot starts (1.3 s) → that slot's block is imported late → "block arrived
 *    late";
 * 3. the mock engine suspended (SIGSTOP) until the node reports el_offline and a few slots more → duties of those
 *    slots explained as "execution client offline".
 * The Duties screen must show each cause (screenshots duties-causes.png / duties-causes-es.png), axe 0
 * serious/critical, reachable by keyboard, and export the ledger as CSV.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Browser, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ceibo, freePort, type Proc, until} from "../../../test/harness/processes.ts";
import {createHost, type Host} from "../../src/host/host.ts";
import {validatorClientState} from "../../src/host/monitor.ts";
import {SupervisedChild} from "../../src/host/supervisor.ts";
import {startUiServer, type UiServer} from "../../src/server/server.ts";
import {RENDERER_DIST} from "../../src/server/static.ts";
import type {DutyRecord} from "../../src/shared/contract.ts";
import {axe, descendants, launch, seriousOrWorse, shot, tabTo} from "./harness.ts";

const RUN = process.env.DESKTOP_TEST === "1";

async function beaconGet<T>(api: string, path: string): Promise<T> {
  const r = await fetch(`${api}${path}`);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return ((await r.json()) as {data: T}).data;
}

async function sleepUntil(ms: number): Promise<void> {
  const d = ms - Date.now();
  if (d > 0) await new Promise((r) => setTimeout(r, d));
}
const SLOT_MS = 2000;
const SPE = 8;
const VALIDATORS = 16;

describe.runIf(RUN)("missed-duty explanations on a dev network", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-duties-"));
  let dev: Proc;
  let api: string;
  let vc: SupervisedChild;
  let vc2: Proc;
  let host: Host;
  let server: UiServer;
  let browser: Browser;
  let userDataDir: string;
  let page: Page;
  let elPid = -1;

  const records = async (): Promise<DutyRecord[]> => (await host.handlers["duties.list"]({})).records;
  const slotNow = async (): Promise<number> => (await host.handlers["duties.list"]({})).lastSample?.slot ?? -1;

  beforeAll(async () => {
    const port = await freePort();
    dev = ceibo(
      "dev",
      [
        "dev",
        "--validator-client",
        "false",
        "--validators",
        String(VALIDATORS),
        "--rest.port",
        String(port),
        "--slot-duration-ms",
        String(SLOT_MS),
        "--data-dir",
        join(dir, "dev"),
        "--ui",
        "false",
      ],
      {},
      {inheritPreset: false},
    );
    api = `http://127.0.0.1:${port}`;
    await dev.waitFor(/Beacon API/, 120_000);
    vc = new SupervisedChild(
      {
        name: "validator",
        command: process.execPath,
        args: [
          join(import.meta.dirname, "../../../cli/bin/ceibo.js"),
          "validator",
          "--beacon-nodes",
          api,
          "--interop-indexes",
          `0..${VALIDATORS / 2 - 1}`,
          "--data-dir",
          join(dir, "vc"),
          "--doppelganger-protection",
          "false",
        ],
        env: {...process.env, CEIBO_PRESET: "minimal"},
      },
      () => {},
      () => {},
    );
    vc.start();
    // a second validator client with the other half: it attests at the deadline while the first one proposes
    // (ceibo's validator client attests after its own proposal is done)
    vc2 = ceibo(
      "vc2",
      [
        "validator",
        "--beacon-nodes",
        api,
        "--interop-indexes",
        `${VALIDATORS / 2}..${VALIDATORS - 1}`,
        "--data-dir",
        join(dir, "vc2"),
        "--doppelganger-protection",
        "false",
      ],
      {CEIBO_PRESET: "minimal"},
    );
    const children = new Map([["validator" as const, vc]]);
    host = createHost({
      dataDir: join(dir, "ui"),
      mode: "browser",
      attachedBeaconUrl: api,
      attachedValidatorState: () => validatorClientState(children, () => null),
    });
    server = await startUiServer({host, port: 0, staticDir: RENDERER_DIST});
    ({browser, userDataDir} = await launch());
    page = await browser.newPage();
    await page.goto(server.url);
    for (const pid of descendants(dev.child.pid ?? -1)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("mock-engine")) elPid = pid;
      } catch {
        // gone
      }
    }
    expect(elPid, "the mock engine's pid").toBeGreaterThan(0);
  }, 240_000);

  afterAll(async () => {
    if (elPid > 0) {
      try {
        process.kill(elPid, "SIGCONT");
      } catch {
        // gone
      }
    }
    await browser?.close();
    await server?.close();
    await host?.close();
    await vc?.stop();
    await vc2?.kill("SIGTERM", 30_000);
    await dev?.kill("SIGTERM", 60_000);
    if (userDataDir !== undefined) rmSync(userDataDir, {recursive: true, force: true});
    rmSync(dir, {recursive: true, force: true});
  }, 120_000);

  const watched = (): Proc[] => [dev, vc2];
  /** The Duties screen shows a duty with this cause; returns its cause text. */
  const uiShows = async (cause: string): Promise<string> => {
    await page.locator(`[data-testid=duty-list] li[data-cause=${cause}]`).first().waitFor({timeout: 30_000});
    return (await page.locator(`li[data-cause=${cause}] [data-testid=duty-cause]`).first().textContent()) ?? "";
  };

  it("a healthy start: the ledger records epochs; the Duties screen is reachable by keyboard", async () => {
    await until(
      "two ledger epochs",
      6 * SPE * SLOT_MS + 60_000,
      async () => (await host.handlers["ledger.get"]({})).totals.length >= 2,
      watched,
    );
    await tabTo(page, "[data-testid=nav-duties]");
    await page.keyboard.press("Enter");
    await page.locator("[data-testid=duties-screen]").waitFor();
    await page.locator("[data-testid=duties-screen] [data-testid=balance-chart]").waitFor({timeout: 30_000});
  }, 300_000);

  it("the validator client stopped for 12 slots: 'validator client not running'", async () => {
    await vc.stop();
    const stoppedAt = await slotNow();
    await until(
      "12 slots without a validator client",
      12 * SLOT_MS + 60_000,
      async () => (await slotNow()) >= stoppedAt + 12,
      watched,
    );
    vc.start();
    const vcCause = await until(
      "a duty explained as validator client not running",
      4 * SPE * SLOT_MS + 120_000,
      async () => (await records()).find((r) => r.cause === "vcNotRunning" && r.result === "missed") ?? null,
      watched,
    );
    expect(vcCause.slot).toBeGreaterThanOrEqual(stoppedAt);
    expect(vcCause.slot).toBeLessThanOrEqual(stoppedAt + 13);
    expect(await uiShows("vcNotRunning")).toBe("The validator client was not running, so nothing was signed.");
  }, 300_000);

  it("a block imported after the attestation deadline: 'block arrived late' with the offset", async () => {
    // The execution engine is suspended from just before a slot's start to 1.3 s into it: the node's block
    // production (forkchoiceUpdated with attributes, getPayload; timeouts 8 s / 1 s) waits for it, so the slot's
    // block is imported late, while the attestation data asked for at the deadline (1/3 of the 2 s slot) needs no
    // engine and gets the block before it as head. Tried on up to 4 slots.
    const genesisMs =
      Number((await beaconGet<{genesis_time: string}>(api, "/eth/v1/beacon/genesis")).genesis_time) * 1000;
    const slotStart = (slot: number): number => genesisMs + slot * SLOT_MS;
    const lateSlots: number[] = [];
    for (let i = 0; i < 4; i++) {
      const target = Math.floor((Date.now() - genesisMs) / SLOT_MS) + 2;
      await sleepUntil(slotStart(target) - 150);
      process.kill(elPid, "SIGSTOP");
      await sleepUntil(slotStart(target) + 1300);
      process.kill(elPid, "SIGCONT");
      lateSlots.push(target);
      await sleepUntil(slotStart(target + 3));
    }
    const lateCause = await until(
      "a duty explained as a late block",
      4 * SPE * SLOT_MS + 120_000,
      async () => (await records()).find((r) => r.cause === "lateBlock") ?? null,
      watched,
    );
    expect(lateSlots).toContain(lateCause.slot);
    expect(lateCause.details.offsetMs).toBeGreaterThan((SLOT_MS * 3333) / 10_000);
    expect(await uiShows("lateBlock")).toMatch(/^The block of that slot arrived late \(\d\.\d\d s into the slot/);
  }, 400_000);

  it("the execution engine suspended: 'execution client offline'", async () => {
    process.kill(elPid, "SIGSTOP");
    const elOfflineAt = await until(
      "a slot sample with el_offline",
      90_000,
      async () => {
        const s = (await host.handlers["duties.list"]({})).lastSample;
        return s !== null && s.elOffline === true ? s.slot : null;
      },
      watched,
    );
    await until("6 more slots", 6 * SLOT_MS + 60_000, async () => (await slotNow()) >= elOfflineAt + 6, watched);
    process.kill(elPid, "SIGCONT");
    const elCause = await until(
      "a duty explained as execution client offline",
      6 * SPE * SLOT_MS + 180_000,
      async () => (await records()).find((r) => r.cause === "elOffline") ?? null,
      watched,
    );
    expect(elCause.slot).toBeGreaterThanOrEqual(elOfflineAt - 1);
    expect(await uiShows("elOffline")).toContain("The execution client was offline");
  }, 400_000);

  it("the screen: screenshot, axe, CSV export, Spanish", async () => {
    await shot(page, "duties-causes");
    expect(seriousOrWorse(await axe(page))).toEqual([]);

    // CSV: written by the host, offered as a download
    const download = page.waitForEvent("download");
    await page.locator("[data-testid=ledger-export]").click();
    const d = await download;
    expect(d.suggestedFilename()).toMatch(/^rewards-.*\.csv$/);
    const file = (await page.locator("[data-testid=ledger-exported]").textContent())?.replace(/^Saved to /, "") ?? "";
    expect(existsSync(file)).toBe(true);
    const csv = readFileSync(file, "utf8").trim().split("\n");
    expect(csv[0]).toBe("epoch,slot,validator_index,pubkey,balance_gwei,reward_gwei");
    expect(csv.length).toBeGreaterThan(2 * VALIDATORS);

    await page.locator("[data-testid=language-select]").selectOption("es");
    await page.getByText("El cliente validador no estaba en marcha, así que no se firmó nada.").first().waitFor();
    await shot(page, "duties-causes-es");
    expect(seriousOrWorse(await axe(page))).toEqual([]);
  }, 120_000);
});
