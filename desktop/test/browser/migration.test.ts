/**
 * The migration wizard end to end, in a real Chromium against real processes (DESKTOP_TEST=1):
 *
 * - 4 keys made with the repo's keygen (`ceibo keys recover`, pbkdf2) are the validators of a dev chain
 *   (`ceibo dev --deposit-data … --validator-client false`, which also serves the UI attached to its node);
 * - the "previous client" (`ceibo validator --keystores` on its own data dir) validates with them for two
 *   epochs, is stopped, and its EIP-3076 export is written: real history;
 * - the wizard: wrong inputs are refused with the reason; then check → stop-the-old-client confirmation →
 *   import → the doppelganger wait (screenshot, axe);
 * - the previous client comes back (a second client signing with the same keys): ceibo's validator client
 *   exits with the doppelganger code and the wizard stops and explains (screenshot, axe, Spanish);
 * - every block of the chain is scanned: 0 slashable messages, and ceibo's validator client signed nothing
 *   (its slashing-protection database holds exactly the imported history).
 */
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Browser, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, test} from "vitest";
import {ceibo, getJson, type Proc, until} from "../../../test/harness/processes.ts";
import {axe, launch, seriousOrWorse, shot} from "./harness.ts";
import {foreignStrings} from "./i18nCheck.ts";
import {scanForSlashable} from "./slashableScan.ts";

const RUN = process.env.DESKTOP_TEST === "1";
const PASSWORD = "migration test password";
const MNEMONIC = `${Array(11).fill("abandon").join(" ")} about`;
const MINIMAL = {CEIBO_PRESET: "minimal"};
/**
 * Slots of 6 s (48 s epochs). ceibo's validator client checks, at the start of epoch S+2 (S: the epoch it
 * started in), the liveness of epoch S+1: the second client must be live within S+1, so it is started as soon
 * as the watch shows and must get going within about one epoch on a busy machine.
 */
const SLOT_MS = 6000;
const T0 = Date.now();
const say = (s: string): void => console.log(`[migration +${Math.round((Date.now() - T0) / 1000)}s] ${s}`);

async function screen(page: Page, name: string): Promise<void> {
  await shot(page, name);
  const bad = seriousOrWorse(await axe(page));
  expect(bad, `${name}: axe serious/critical violations: ${JSON.stringify(bad, null, 1)}`).toEqual([]);
}

async function run(name: string, args: string[], env: Record<string, string> = MINIMAL): Promise<string> {
  const p = ceibo(name, args, env);
  const code = await p.exited;
  if (code !== 0) throw new Error(`${name} exited ${code}:\n${p.output.slice(-3000)}`);
  return p.output;
}

interface InterchangeJson {
  metadata: {genesis_validators_root: string};
  data: {pubkey: string; signed_blocks: unknown[]; signed_attestations: unknown[]}[];
}

describe.skipIf(!RUN)("migration wizard against a dev chain and a previous client", () => {
  let browser: Browser;
  let userDataDir: string;
  let tmp: string;
  let dev: Proc;
  let prev: Proc | null = null;
  let api: string;
  let uiUrl: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "ceibo-migration-"));
    ({browser, userDataDir} = await launch());
    writeFileSync(join(tmp, "mnemonic.txt"), `${MNEMONIC}\n`, {mode: 0o600});
    writeFileSync(join(tmp, "password.txt"), PASSWORD, {mode: 0o600});
    await run(
      "keys",
      [
        "keys",
        "recover",
        "--network",
        "dev",
        "--count",
        "4",
        "--withdrawal-address",
        `0x${"5a".repeat(20)}`,
        "--out-dir",
        join(tmp, "old-client"),
        "--mnemonic-file",
        join(tmp, "mnemonic.txt"),
        "--keystore-password-file",
        join(tmp, "password.txt"),
        "--kdf",
        "pbkdf2",
      ],
      {},
    );
    const deposit = readdirSync(join(tmp, "old-client")).find((f) => f.startsWith("deposit_data-"));
    if (deposit === undefined) throw new Error("keygen wrote no deposit_data file");
    dev = ceibo(
      "dev",
      [
        "dev",
        "--deposit-data",
        join(tmp, "old-client", deposit),
        "--validator-client",
        "false",
        "--data-dir",
        join(tmp, "dev"),
        "--rest.port",
        "0",
        "--el.port",
        "0",
        "--slot-duration-ms",
        String(SLOT_MS),
      ],
      {},
      {inheritPreset: false},
    );
    api = (await dev.waitFor(/Beacon API: (http:\/\/[0-9.]+:\d+)/, 240_000))[1];
    uiUrl = (await dev.waitFor(/UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/, 240_000))[1];
  });

  afterAll(async () => {
    say(`dev output (tail):\n${dev?.output.slice(-4000)}`);
    await browser?.close();
    await prev?.kill("SIGTERM", 20_000);
    await dev?.kill("SIGTERM", 60_000);
    if (dev !== undefined) await dev.killAll();
    if (userDataDir !== undefined) rmSync(userDataDir, {recursive: true, force: true});
    if (tmp !== undefined) rmSync(tmp, {recursive: true, force: true});
  });

  const startPrevious = (name: string): Proc =>
    ceibo(
      name,
      [
        "validator",
        "--beacon-nodes",
        api,
        "--keystores",
        join(tmp, "old-client"),
        "--password-file",
        join(tmp, "password.txt"),
        "--data-dir",
        join(tmp, "old-vc"),
        "--doppelganger-protection",
        "false",
      ],
      MINIMAL,
    );

  test("imports from the previous client, shows the doppelganger wait, stops and explains when the keys sign elsewhere; 0 slashable", {
    timeout: 1_200_000,
  }, async () => {
    // ---- the previous client builds real history, then is stopped and exports it
    prev = startPrevious("old-client");
    const epochOf = async (): Promise<number> =>
      Math.floor(
        Number(
          (await getJson<{data: {header: {message: {slot: string}}}}>(`${api}/eth/v1/beacon/headers/head`)).data.header
            .message.slot,
        ) / 8,
      );
    await until(
      "the previous client's chain to reach epoch 2",
      300_000,
      async () => (await epochOf()) >= 2,
      [dev, prev],
      1000,
    );
    say(`epoch 2 reached; stopping the previous client`);
    await prev.kill("SIGTERM", 20_000);
    prev = null;
    /** The wall-clock epoch (the head may lag when no one proposes). */
    const spec = await getJson<{data: Record<string, string>}>(`${api}/eth/v1/config/spec`);
    const genesisTime = Number(
      (await getJson<{data: {genesis_time: string}}>(`${api}/eth/v1/beacon/genesis`)).data.genesis_time,
    );
    const slotS = Number(spec.data.SLOT_DURATION_MS ?? Number(spec.data.SECONDS_PER_SLOT) * 1000) / 1000;
    const clockEpoch = (): number => Math.floor((Date.now() / 1000 - genesisTime) / slotS / 8);
    const stopEpoch = clockEpoch();
    const exportFile = join(tmp, "old-client-slashing-protection.json");
    await run("export", ["slashing-protection", "export", "--data-dir", join(tmp, "old-vc"), "--file", exportFile]);
    const exported = JSON.parse(readFileSync(exportFile, "utf8")) as InterchangeJson;
    expect(exported.data.length).toBe(4);
    for (const d of exported.data) expect(d.signed_attestations.length).toBeGreaterThan(0);

    say("exported; the wizard");
    // ---- the wizard
    const ctx = await browser.newContext({locale: "en-US"});
    const page = await ctx.newPage();
    await page.goto(uiUrl);
    await page.getByTestId("nav-migrate").click();
    await page.getByTestId("mig-step-choose").waitFor({timeout: 60_000});

    // an export that misses a key is refused, naming it
    mkdirSync(join(tmp, "partial"));
    const partial = {...exported, data: exported.data.slice(1)};
    writeFileSync(join(tmp, "partial", "export.json"), JSON.stringify(partial));
    await page.getByTestId("mig-keystores").fill(join(tmp, "old-client"));
    await page.getByTestId("mig-interchange").fill(join(tmp, "partial", "export.json"));
    await page.getByTestId("mig-check-button").click();
    await expect
      .poll(() => page.getByTestId("mig-error").textContent(), {timeout: 30_000})
      .toContain(exported.data[0].pubkey);
    // another network's export is refused, naming the roots
    const other = {...exported, metadata: {...exported.metadata, genesis_validators_root: `0x${"11".repeat(32)}`}};
    writeFileSync(join(tmp, "partial", "other.json"), JSON.stringify(other));
    await page.getByTestId("mig-interchange").fill(join(tmp, "partial", "other.json"));
    await page.getByTestId("mig-check-button").click();
    await expect
      .poll(() => page.getByTestId("mig-error").textContent(), {timeout: 30_000})
      .toContain(`0x${"11".repeat(32)}`);
    await screen(page, "30-migration-refused");

    // the real export passes, with its history per key
    await page.getByTestId("mig-interchange").fill(exportFile);
    await page.getByTestId("mig-check-button").click();
    await page.getByTestId("mig-check").waitFor({timeout: 30_000});
    expect(await page.getByTestId("mig-check").locator("tbody tr").count()).toBe(4);
    await screen(page, "31-migration-checked");
    await page.getByTestId("mig-next").click();
    await page.getByTestId("mig-step-stopOld").waitFor();
    // nothing starts before the user confirms the old client is stopped
    expect(await page.getByTestId("mig-start").isDisabled()).toBe(true);
    await page.getByTestId("mig-password").fill(PASSWORD);
    await page.getByTestId("mig-stopped").check();
    await screen(page, "32-migration-stop-old-client");
    await page.getByTestId("mig-start").click();
    // the host asks the node first: keys active in this or the previous epoch (the old client stopped less than
    // an epoch ago; its sync-committee messages have no slashing-protection record) are refused, nothing imported
    if (clockEpoch() <= stopEpoch) {
      await expect
        .poll(() => page.getByTestId("mig-error").textContent(), {timeout: 60_000})
        .toMatch(/were active on the network in epoch \d+.*Nothing was imported/);
      await screen(page, "32b-migration-old-client-still-active");
      expect(readdirSync(join(tmp, "dev", "ui")).includes("vc")).toBe(false);
      say("refused while the old client's keys were still active; waiting an epoch");
      await until(
        "a full epoch without the old client",
        300_000,
        async () => clockEpoch() >= stopEpoch + 2,
        [dev],
        1000,
      );
      await page.getByTestId("mig-start").click();
    } else {
      say(`the wizard reached Start in epoch ${clockEpoch()} (old client stopped in ${stopEpoch}): no refusal to see`);
    }
    say("import started");
    await page.getByTestId("mig-phase-watching").waitFor({timeout: 180_000});
    await page.getByTestId("mig-watch").waitFor({timeout: 120_000});
    // ---- the old client comes back (a second client signing with the same keys), at once: see SLOT_MS
    prev = startPrevious("old-client-again");
    const watchText = await page.getByTestId("mig-phase-watching").textContent();
    say(`watch shown: ${watchText}`);
    expect(watchText).toMatch(/signing starts at epoch \d+/i);
    await screen(page, "33-migration-doppelganger-wait");
    const vcLog = (): Promise<string> =>
      page.evaluate(() =>
        fetch("/rpc/logs.tail", {
          method: "POST",
          headers: {"content-type": "application/json"},
          body: JSON.stringify({process: "validator", lines: 80}),
        })
          .then((r) => r.json())
          .then((b: {lines: {text: string}[]}) => b.lines.map((l) => l.text).join("\n")),
      );
    const outcome = await page
      .locator('[data-testid="mig-doppelganger"], [data-testid="mig-phase-enabled"], [data-testid="mig-failed"]')
      .first()
      .waitFor({timeout: 240_000})
      .then(() => page.getByTestId("mig-doppelganger").isVisible())
      .catch(() => false);
    if (!outcome)
      throw new Error(`the wizard did not stop on the doppelganger; validator client log:\n${await vcLog()}`);
    say("doppelganger explained");
    // the validator client exited with the doppelganger code, and the supervisor did not restart it
    const vcStatus = await until(
      "the validator client's doppelganger exit",
      120_000,
      async () => {
        const st = await page.evaluate(() =>
          fetch("/rpc/node.status", {method: "POST", headers: {"content-type": "application/json"}, body: "{}"}).then(
            (r) => r.json() as Promise<{processes: {name: string; state: string; lastExitCode: number | null}[]}>,
          ),
        );
        const v = st.processes.find((p) => p.name === "validator");
        return v !== undefined && v.state === "doppelganger" ? v : null;
      },
      [dev],
      1000,
    );
    expect(vcStatus.lastExitCode).toBe(3);
    const explained = await page.getByTestId("mig-doppelganger").textContent();
    expect(explained).toContain("Another validator client");
    expect(explained).toContain("stop the other client");
    await screen(page, "34-migration-doppelganger-stopped");
    await page.selectOption('[data-testid="language-select"]', "es");
    await page.waitForFunction(() => document.documentElement.lang === "es");
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "35-migration-doppelganger-stopped-es");
    await ctx.close();

    // ---- what was signed: let the second client sign for a while, then scan the chain
    const headAt = await epochOf();
    await until(
      "two more epochs of the second client",
      300_000,
      async () => (await epochOf()) >= headAt + 1,
      [dev, prev],
      1000,
    );
    await prev.kill("SIGTERM", 20_000);
    prev = null;
    const scan = await scanForSlashable(api);
    console.log(
      `migration: scanned ${scan.blocks} blocks, ${scan.attestations} attestations (${scan.unscannable} unscannable), ${[...scan.votes.values()].reduce((n, l) => n + l.length, 0)} votes: ${scan.slashable.length} slashable`,
    );
    expect(scan.blocks).toBeGreaterThan(8);
    expect(scan.votes.size).toBe(4);
    expect(scan.slashable).toEqual([]);

    // ceibo's validator client signed nothing: its database holds exactly the imported history
    const ours = join(tmp, "ours.json");
    await run("export-ours", [
      "slashing-protection",
      "export",
      "--data-dir",
      join(tmp, "dev", "ui", "vc"),
      "--file",
      ours,
    ]);
    const mine = JSON.parse(readFileSync(ours, "utf8")) as InterchangeJson;
    const count = (x: InterchangeJson): number[] =>
      [...x.data]
        .sort((a, b) => a.pubkey.localeCompare(b.pubkey))
        .map((d) => d.signed_blocks.length * 1000 + d.signed_attestations.length);
    expect(count(mine)).toEqual(count(exported));
  });
});
