/**
 * The key-management screen in a real Chromium against a real `ceibo ui` (DESKTOP_TEST=1): the host starts a
 * dev chain from 4 new keys (onboarding over the UI's RPC, which the main suite already drives by keyboard),
 * then the screen lists the 4 keys with their chain status, sets a fee recipient that the validator client's
 * Keymanager API then reports, imports a keystore with its EIP-3076 interchange, deletes it (the interchange
 * file it saved is valid EIP-3076 and carries the imported history), and exits one validator (the beacon node's
 * pool or state shows the exit). Screenshots + axe for each state, and the screen in Spanish.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {request} from "node:http";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createBeaconApiClient, createKeymanagerApiClient} from "@ceibo/api";
import {encryptKeystore} from "@ceibo/keymanager";
import {SecretKey} from "@chainsafe/blst";
import type {Browser, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, test} from "vitest";
import {ceibo, type Proc, until} from "../../../test/harness/processes.ts";
import {axe, descendants, launch, seriousOrWorse, shot} from "./harness.ts";
import {foreignStrings} from "./i18nCheck.ts";

const RUN = process.env.DESKTOP_TEST === "1";
const FEE = `0x${"c0ffee".repeat(6)}c0ff`;
const PASSWORD = "a keys-screen password";
const IMPORT_PASSWORD = "imported key password";

interface Ui {
  proc: Proc;
  url: string;
  origin: string;
  token: string;
  dataDir: string;
}

function rpc<T>(ui: Ui, channel: string, body: unknown): Promise<T> {
  const u = new URL(ui.origin);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: "POST",
        path: `/rpc/${channel}`,
        headers: {"content-type": "application/json", "x-ceibo-token": ui.token},
      },
      (res) => {
        let b = "";
        res.on("data", (c) => {
          b += c;
        });
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(JSON.parse(b) as T)
            : reject(new Error(`${channel}: ${res.statusCode} ${b}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

async function screen(page: Page, name: string): Promise<void> {
  await shot(page, name);
  const bad = seriousOrWorse(await axe(page));
  expect(bad, `${name}: axe serious/critical violations: ${JSON.stringify(bad, null, 1)}`).toEqual([]);
}

describe.skipIf(!RUN)("key-management screen in Chromium against ceibo ui", () => {
  let browser: Browser;
  let userDataDir: string;
  let ui: Ui;
  let page: Page;
  let pubkeys: string[];
  let beaconUrl: string;
  const tmp = mkdtempSync(join(tmpdir(), "ceibo-keys-test-"));

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ceibo-ui-keys-"));
    const proc = ceibo("ui-keys", [
      "ui",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--keystore-kdf",
      "pbkdf2",
      "--dev.shard-committee-period",
      "0",
    ]);
    const [launched, m] = await Promise.all([
      launch(),
      proc.waitFor(/ceibo ui: open (http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]+)/, 120_000),
    ]);
    ({browser, userDataDir} = launched);
    ui = {proc, url: `${m[1]}/?token=${m[2]}`, origin: m[1], token: m[2], dataDir};

    // onboarding over RPC: 4 new keys on a dev network, node started by the host
    const mn = await rpc<{sessionId: string; words: string[]; confirmIndices: number[]}>(ui, "keys.newMnemonic", {});
    await rpc(ui, "keys.confirmMnemonic", {sessionId: mn.sessionId, words: mn.confirmIndices.map((i) => mn.words[i])});
    const keys = await rpc<{pubkeys: string[]; problems: string[]}>(ui, "keys.generate", {
      sessionId: mn.sessionId,
      withdrawalKind: "eth1",
      withdrawalAddress: `0x${"ee".repeat(20)}`,
      count: 4,
      amountEth: "32",
      password: PASSWORD,
    });
    expect(keys.problems).toEqual([]);
    pubkeys = keys.pubkeys;
    await rpc(ui, "node.start", {});
    beaconUrl = await until(
      "the Beacon API",
      180_000,
      async () => (await rpc<{beaconApi: string | null}>(ui, "node.status", {})).beaconApi,
      [proc],
      1000,
    );
  });

  afterAll(async () => {
    await browser?.close();
    if (ui !== undefined) {
      const tree = descendants(ui.proc.child.pid ?? -1);
      await ui.proc.kill("SIGTERM", 30_000);
      for (const pid of tree) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(ui.dataDir, {recursive: true, force: true});
    }
    if (userDataDir !== undefined) rmSync(userDataDir, {recursive: true, force: true});
    rmSync(tmp, {recursive: true, force: true});
  });

  const rows = () => page.getByTestId("km-row");
  const row = (pubkey: string) => page.locator(`[data-testid="km-row"][data-pubkey="${pubkey}"]`);

  test("lists the 4 keys with their chain status; keyboard reaches the screen", async () => {
    const ctx = await browser.newContext();
    page = await ctx.newPage();
    await page.goto(ui.url);
    await page.getByTestId("nav-keys").waitFor({timeout: 60_000});
    await page.getByTestId("nav-keys").focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("keys-title").waitFor();
    await page.waitForFunction(
      () => {
        const r = [...document.querySelectorAll('[data-testid="km-row"]')];
        return r.length === 4 && r.every((x) => (x as HTMLElement).dataset.status === "active_ongoing");
      },
      undefined,
      {timeout: 180_000, polling: 1000},
    );
    const listed = await rows().evaluateAll((r) => r.map((x) => (x as HTMLElement).dataset.pubkey));
    expect(listed.sort()).toEqual([...pubkeys].sort());
    expect(await foreignStrings(page, "en")).toEqual([]);
    await screen(page, "keys-list");
  });

  test("sets a fee recipient and reads it back from the validator client", async () => {
    const pk = pubkeys[1];
    await row(pk).getByTestId("km-edit").click();
    await page.getByTestId("km-fee-input").fill(FEE);
    await page.getByTestId("km-graffiti-input").fill("ceibo keys");
    await page.getByTestId("km-gas-input").fill("36000000");
    await page.getByTestId("km-save").click();
    await page.getByTestId("km-edit-status").waitFor();
    expect(await page.getByTestId("km-edit-status").getAttribute("class")).toBe("ok");
    await until("the row shows the fee recipient", 30_000, async () =>
      (await row(pk).getByTestId("km-fee").getAttribute("title")) === FEE ? true : null,
    );
    // independently: the validator client's Keymanager API (token from the file it wrote)
    const tokenFile = join(ui.dataDir, "dev");
    const token = findTokenFile(tokenFile);
    const km = createKeymanagerApiClient({baseUrl: await kmUrl(ui), token: readFileSync(token, "utf8").trim()});
    expect((await km.listFeeRecipient({pubkey: pk})).data.ethaddress).toBe(FEE);
    expect((await km.getGraffiti({pubkey: pk})).data.graffiti).toBe("ceibo keys");
    expect((await km.getGasLimit({pubkey: pk})).data.gasLimit).toBe(36_000_000n);
    expect((await km.listFeeRecipient({pubkey: pubkeys[2]})).data.ethaddress).not.toBe(FEE);
    await screen(page, "keys-settings");
  });

  test("imports a keystore with its interchange, deletes it: the saved interchange is valid EIP-3076 with the history", async () => {
    const api = createBeaconApiClient({baseUrl: beaconUrl});
    const gvr = `0x${Buffer.from((await api.getGenesis()).data.genesisValidatorsRoot).toString("hex")}`;
    const sk = SecretKey.fromKeygen(Buffer.alloc(32, 0x5e));
    const pk = `0x${Buffer.from(sk.toPublicKey().toBytes(true)).toString("hex")}`;
    const ksFile = join(tmp, "keystore-import.json");
    writeFileSync(
      ksFile,
      JSON.stringify(await encryptKeystore(sk.toBytes(), IMPORT_PASSWORD, {kdf: "pbkdf2", cost: 2})),
    );
    const icFile = join(tmp, "interchange.json");
    writeFileSync(
      icFile,
      JSON.stringify({
        metadata: {interchange_format_version: "5", genesis_validators_root: gvr},
        data: [
          {
            pubkey: pk,
            signed_blocks: [{slot: "100000"}],
            signed_attestations: [{source_epoch: "3000", target_epoch: "3001"}],
          },
        ],
      }),
    );
    await page.getByTestId("km-import-keystores").setInputFiles(ksFile);
    await page.getByTestId("km-import-interchange").setInputFiles(icFile);
    await page.getByTestId("km-import-password").fill(IMPORT_PASSWORD);
    await page.getByTestId("km-import-submit").click();
    await page.locator('[data-testid="km-statuses"] li[data-status="imported"]').waitFor({timeout: 60_000});
    await row(pk).waitFor({timeout: 30_000});
    await screen(page, "keys-import");

    await row(pk).getByTestId("km-delete").click();
    await page.getByTestId("km-delete-confirm").click();
    const file = (await page.getByTestId("km-deleted-file").textContent({timeout: 60_000})) ?? "";
    expect(file.startsWith(join(ui.dataDir, "slashing-protection-exports"))).toBe(true);
    expect(existsSync(file)).toBe(true);
    const ic = JSON.parse(readFileSync(file, "utf8")) as {
      metadata: {interchange_format_version: string; genesis_validators_root: string};
      data: {pubkey: string; signed_blocks: {slot: string}[]; signed_attestations: {target_epoch: string}[]}[];
    };
    expect(ic.metadata).toEqual({interchange_format_version: "5", genesis_validators_root: gvr});
    const entry = ic.data.find((d) => d.pubkey === pk);
    expect(entry?.signed_blocks.map((b) => b.slot)).toContain("100000");
    expect(entry?.signed_attestations.map((a) => a.target_epoch)).toContain("3001");
    await until("the deleted key leaves the list", 30_000, async () => ((await row(pk).count()) === 0 ? true : null));
    await screen(page, "keys-delete");
  });

  test("exits one validator after the typed confirmation; the beacon node's pool or state has the exit", async () => {
    const pk = pubkeys[0];
    await row(pk).getByTestId("km-exit").click();
    await page.getByTestId("km-exit-warning").waitFor();
    expect(await page.getByTestId("km-exit-confirm").isDisabled()).toBe(true);
    await page.getByTestId("km-exit-input").fill(pk.slice(0, 40));
    expect(await page.getByTestId("km-exit-confirm").isDisabled()).toBe(true);
    await screen(page, "keys-exit-confirm");
    await page.getByTestId("km-exit-input").fill(pk);
    await page.getByTestId("km-exit-confirm").click();
    // the result, or the refusal the screen shows (named in the failure)
    await page.locator('[data-testid="km-exit-result"], [role="alert"]').first().waitFor({timeout: 60_000});
    const refusal = await page.locator('[role="alert"]').allTextContents();
    expect(refusal).toEqual([]);
    await page.getByTestId("km-exit-result").waitFor();
    const api = createBeaconApiClient({baseUrl: beaconUrl});
    const index = (await api.postStateValidators({stateId: "head", validatorIds: [pk as `0x${string}`]})).data[0].index;
    expect(await page.getByTestId("km-exit-result").textContent()).toContain(`${index}`);
    await until("the exit in the pool or the state", 120_000, async () => {
      const pool = await api.getPoolVoluntaryExits();
      if (pool.data.some((x) => x.message.validatorIndex === index)) return true;
      const v = (await api.getStateValidator({stateId: "head", validatorId: index})).data;
      return v.validator.exitEpoch < 2 ** 64 - 1 ? true : null;
    });
    await screen(page, "keys-exit");
    // once included, the list shows the exit epoch
    await until("the row shows the exit epoch", 180_000, async () =>
      (await row(pk).getByTestId("km-status").textContent())?.includes("exits at epoch") ? true : null,
    );
  });

  test("the screen in Spanish", async () => {
    await page.getByTestId("language-select").selectOption("es");
    await page.waitForFunction(() => document.documentElement.lang === "es");
    await until("the Spanish title", 30_000, async () =>
      (await page.getByTestId("keys-title").textContent()) === "Claves de validador" ? true : null,
    );
    // no English string of the tables left on the screen
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "keys-es");
  });

  test("the screen in the dark theme (axe: contrast)", async () => {
    await page.getByTestId("theme-toggle").click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await screen(page, "keys-dark");
  });
});

/** The validator client's api-token.txt below the supervised `ceibo dev`'s data dir. */
function findTokenFile(devDir: string): string {
  const candidates = [join(devDir, "vc", "api-token.txt"), join(devDir, "validator", "api-token.txt")];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`no api-token.txt in ${candidates.join(", ")}`);
}

/** The Keymanager API URL from the host's log of `ceibo dev`. */
async function kmUrl(ui: Ui): Promise<string> {
  const logs = await rpc<{lines: {text: string}[]}>(ui, "logs.tail", {process: "dev", lines: 2000});
  for (const l of logs.lines) {
    const m = /Keymanager API:? (?:listening url=)?(http:\/\/[0-9.]+:\d+)/.exec(l.text);
    if (m !== null) return m[1];
  }
  throw new Error("no Keymanager API line in the dev log");
}
