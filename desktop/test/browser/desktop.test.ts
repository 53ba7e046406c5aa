/**
 * The desktop UI in a real Chromium against a real `ceibo ui` (DESKTOP_TEST=1; `npm run test:desktop`).
 * Two UI servers with their own temp data dirs: "main" runs the keyboard-only onboarding with a NEW
 * mnemonic through to a finalizing dev chain; "aux" covers security, Spanish, the import path and errors.
 */
import {readdirSync, readFileSync, rmSync} from "node:fs";
import {createServer, request} from "node:http";
import type {AddressInfo} from "node:net";
import {join} from "node:path";
import {SecretKey} from "@chainsafe/blst";
import type {Browser, BrowserContext, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, test} from "vitest";
import {until} from "../../../test/harness/processes.ts";
import {checkDeposits, type DepositEntry} from "./depositCheck.ts";
import {axe, descendants, filesContaining, launch, seriousOrWorse, shot, startUi, tabTo, type Ui} from "./harness.ts";
import {foreignStrings, TABLES} from "./i18nCheck.ts";

const RUN = process.env.DESKTOP_TEST === "1";
/** The dev network's GENESIS_FORK_VERSION (packages/config/src/networks/dev.ts). */
const DEV_GENESIS_FORK_VERSION = "000ce1b0";
/** Ethereum mainnet's GENESIS_FORK_VERSION. */
const MAINNET_GENESIS_FORK_VERSION = "00000000";
const WITHDRAWAL_ADDRESS = `0x${"5a".repeat(20)}`;
const PASSWORD = "correct horse battery";
const TEST_MNEMONIC = `${Array(11).fill("abandon").join(" ")} about`;
const EIP2334_VECTORS = "/work/shared/vectors/eip-2334/paths.json";

function raw(
  ui: Ui,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{status: number; body: string; headers: Record<string, string | string[] | undefined>}> {
  const u = new URL(ui.origin);
  return new Promise((resolve, reject) => {
    const req = request({host: u.hostname, port: u.port, method, path, headers}, (res) => {
      let b = "";
      res.on("data", (c) => {
        b += c;
      });
      res.on("end", () => resolve({status: res.statusCode ?? 0, body: b, headers: res.headers}));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function a11y(page: Page, screen: string): Promise<void> {
  const bad = seriousOrWorse(await axe(page));
  expect(bad, `${screen}: axe serious/critical violations: ${JSON.stringify(bad, null, 1)}`).toEqual([]);
}

/** Screenshot + axe for one screen. */
async function screen(page: Page, name: string, mask: string[] = []): Promise<void> {
  await shot(page, name, mask);
  await a11y(page, name);
}

async function step(page: Page, name: string): Promise<void> {
  await page.locator(`[data-testid="step-${name}"]`).waitFor({timeout: 60_000});
}

describe.skipIf(!RUN)("desktop UI in Chromium against ceibo ui", () => {
  let browser: Browser;
  let userDataDir: string;
  let main: Ui;
  let aux: Ui;

  beforeAll(async () => {
    rmSync(join(import.meta.dirname, "..", "..", "test-results"), {recursive: true, force: true});
    // assigned one by one so that afterAll stops whatever did start when another start fails
    const starting = [
      launch().then((b) => {
        ({browser, userDataDir} = b);
      }),
      startUi("main").then((u) => {
        main = u;
      }),
      startUi("aux").then((u) => {
        aux = u;
      }),
    ];
    const results = await Promise.allSettled(starting);
    for (const r of results) if (r.status === "rejected") throw r.reason;
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([main?.stop(), aux?.stop()]);
    if (userDataDir !== undefined) rmSync(userDataDir, {recursive: true, force: true});
  });

  test("security: no Node globals in the page; calls without the token, from another Origin or Host are refused", async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(aux.url);
    await step(page, "welcome");
    const globals = await page.evaluate(() =>
      ["require", "process", "module", "global", "Buffer", "__dirname", "ceibo"].map(
        (g) => `${g}:${typeof (globalThis as Record<string, unknown>)[g]}`,
      ),
    );
    expect(globals).toEqual([
      "require:undefined",
      "process:undefined",
      "module:undefined",
      "global:undefined",
      "Buffer:undefined",
      "__dirname:undefined",
      "ceibo:undefined",
    ]);
    // the token became an HttpOnly cookie: invisible to the page's script
    expect(await page.evaluate(() => document.cookie)).toBe("");
    // the page's own calls work (positive control)
    expect(
      await page.evaluate(() =>
        fetch("/rpc/app.info", {method: "POST", headers: {"content-type": "application/json"}, body: "{}"}).then(
          (r) => r.status,
        ),
      ),
    ).toBe(200);
    await ctx.close();

    const host = new URL(aux.origin).host;
    const json = {"content-type": "application/json", host};
    expect((await raw(aux, "POST", "/rpc/app.info", json, "{}")).status).toBe(401);
    expect((await raw(aux, "POST", "/rpc/app.info", {...json, "x-ceibo-token": "0".repeat(64)}, "{}")).status).toBe(
      401,
    );
    const ok = await raw(aux, "POST", "/rpc/app.info", {...json, "x-ceibo-token": aux.token}, "{}");
    expect(ok.status).toBe(200);
    expect(String(ok.headers["content-security-policy"])).toContain("script-src 'self'");
    expect(
      (
        await raw(
          aux,
          "POST",
          "/rpc/app.info",
          {...json, "x-ceibo-token": aux.token, origin: "http://evil.example"},
          "{}",
        )
      ).status,
    ).toBe(403);
    expect(
      (await raw(aux, "POST", "/rpc/app.info", {...json, "x-ceibo-token": aux.token, host: "evil.example"}, "{}"))
        .status,
    ).toBeGreaterThanOrEqual(400);
    expect((await raw(aux, "GET", "/events", {host})).status).toBe(401);
    expect((await raw(aux, "GET", "/beacon/eth/v1/node/syncing", {host})).status).toBe(401);
    expect((await raw(aux, "GET", "/", {host})).status).toBe(401);

    // a page of another origin cannot call the host, even knowing the URL
    const ctx2 = await browser.newContext();
    const other = await ctx2.newPage();
    await other.goto("about:blank");
    const fromOther = await other.evaluate(
      (url) =>
        fetch(`${url}/rpc/app.info`, {method: "POST", headers: {"content-type": "application/json"}, body: "{}"})
          .then((r) => `status ${r.status}`)
          .catch((e: Error) => `refused ${e.name}`),
      aux.origin,
    );
    expect(fromOther).not.toBe("status 200");
    await ctx2.close();
  });

  test("i18n: en and es have the same keys, none empty; Spanish screens render only Spanish strings; onboarding screens pass axe", async () => {
    const enKeys = Object.keys(TABLES.en).sort();
    expect(Object.keys(TABLES.es).sort()).toEqual(enKeys);
    for (const lang of ["en", "es"] as const) {
      for (const k of enKeys) if (k !== "reason.none") expect(TABLES[lang][k], `${lang} ${k}`).not.toBe("");
    }

    const ctx = await browser.newContext({locale: "en-US"});
    const page = await ctx.newPage();
    await page.goto(aux.url);
    await step(page, "welcome");
    // the checker itself: English passes in English and fails in Spanish
    expect(await foreignStrings(page, "en")).toEqual([]);
    expect((await foreignStrings(page, "es")).length).toBeGreaterThan(3);

    await page.selectOption('[data-testid="language-select"]', "es");
    await page.waitForFunction(() => document.documentElement.lang === "es");
    await step(page, "welcome");
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "02-welcome-es");

    await page.getByRole("button", {name: "Comenzar"}).click();
    await step(page, "network");
    await page.getByRole("radio", {name: /Red principal de Ethereum/}).check();
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "04-network-mainnet-es");
    await page.getByRole("button", {name: "Siguiente"}).click();
    await step(page, "execution");
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "05-execution-mainnet-es");
    await page.getByRole("button", {name: "Siguiente"}).click();
    await step(page, "keySource");
    await page.getByRole("radio", {name: /existente/}).check();
    expect(await foreignStrings(page, "es")).toEqual([]);
    await page.getByRole("button", {name: "Siguiente"}).click();
    await step(page, "importMnemonic");
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "09-import-mnemonic-es");
    // a mnemonic with a bad checksum: the host refuses with one clear error, shown in an alert
    await page.getByTestId("existing-mnemonic").fill(Array(24).fill("abandon").join(" "));
    await page.getByRole("button", {name: "Siguiente"}).click();
    await expect.poll(() => page.getByTestId("error").textContent(), {timeout: 30_000}).toMatch(/mnemonic|checksum/i);
    await screen(page, "10-import-mnemonic-error");
    // the standard 12-word BIP-39 test mnemonic is accepted
    await page.getByTestId("existing-mnemonic").fill(TEST_MNEMONIC);
    await page.getByRole("button", {name: "Siguiente"}).click();
    await step(page, "withdrawal");
    expect(await foreignStrings(page, "es")).toEqual([]);
    await page.getByRole("button", {name: "Siguiente"}).click();
    await expect.poll(() => page.getByTestId("error").textContent()).toContain("dirección de retiro");
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "12-withdrawal-error-es");

    // dark theme, back in English
    await page.selectOption('[data-testid="language-select"]', "en");
    await page.getByTestId("theme-toggle").click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await page.getByRole("radio", {name: /0x02/}).check();
    await page.getByTestId("amount").fill("2048");
    expect(await foreignStrings(page, "en")).toEqual([]);
    await screen(page, "13-withdrawal-compounding-dark");

    // one 0x02 key of 2048 ETH from the imported mnemonic for mainnet (chosen above); review and result in Spanish
    await page.getByTestId("withdrawal-address").fill(WITHDRAWAL_ADDRESS);
    await page.getByTestId("key-count").fill("1");
    await page.getByTestId("password").fill(PASSWORD);
    await page.getByTestId("password2").fill(PASSWORD);
    await page.selectOption('[data-testid="language-select"]', "es");
    await page.getByRole("button", {name: "Siguiente"}).click();
    await step(page, "review");
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "23-review-compounding-es");
    await page.getByTestId("generate").click();
    await step(page, "done");
    await page.getByTestId("deposit-valid").waitFor();
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "24-keys-ready-compounding-es");
    const file = (await page.getByTestId("deposit-file").textContent()) ?? "";
    const deposits = JSON.parse(readFileSync(file, "utf8")) as DepositEntry[];
    expect(deposits).toHaveLength(1);
    expect(checkDeposits(deposits, MAINNET_GENESIS_FORK_VERSION)).toEqual([]);
    expect(checkDeposits(deposits, DEV_GENESIS_FORK_VERSION)).not.toEqual([]);
    expect(deposits[0].withdrawal_credentials.replace(/^0x/, "")).toBe(
      `02${"00".repeat(11)}${WITHDRAWAL_ADDRESS.slice(2)}`,
    );
    expect(Number(deposits[0].amount)).toBe(2048e9);
    // the key is the mnemonic's m/12381/3600/0/0/0 (secret key from /work/shared/vectors/eip-2334/paths.json)
    const vectors = JSON.parse(readFileSync(EIP2334_VECTORS, "utf8")) as {
      derived_keys: {mnemonic: string; path: string; secret_key_hex: string}[];
    };
    const v = vectors.derived_keys.find((k) => k.mnemonic === TEST_MNEMONIC && k.path === "m/12381/3600/0/0/0");
    expect(v).toBeDefined();
    const pk = SecretKey.fromHex((v as {secret_key_hex: string}).secret_key_hex)
      .toPublicKey()
      .toHex();
    expect(deposits[0].pubkey.replace(/^0x/, "")).toBe(pk.replace(/^0x/, ""));
    await ctx.close();
  });

  test("E2E, keyboard only: new mnemonic → 4 keys + deposit data (independently verified) → dev chain → dashboard shows them active, rising balances, finalized; the mnemonic is nowhere", async () => {
    const ctx: BrowserContext = await browser.newContext({locale: "en-US", viewport: {width: 1100, height: 900}});
    const blank = createServer((_req, res) => res.end("<!doctype html><title>clipboard</title>"));
    await new Promise<void>((r) => blank.listen(0, "127.0.0.1", r));
    const blankOrigin = `http://127.0.0.1:${(blank.address() as AddressInfo).port}`;
    await ctx.grantPermissions(["clipboard-read", "clipboard-write"], {origin: blankOrigin});
    const clip = await ctx.newPage();
    await clip.goto(blankOrigin);
    const page = await ctx.newPage();
    const press = async (selector: string, key = "Enter"): Promise<void> => {
      await tabTo(page, selector);
      await page.keyboard.press(key);
    };
    await page.goto(main.url);
    await step(page, "welcome");
    await screen(page, "01-welcome");
    await press("button.primary");

    await step(page, "network");
    await screen(page, "03-network");
    await tabTo(page, 'input[name="network"][value="dev"]');
    expect(await page.locator('input[name="network"][value="dev"]').isChecked()).toBe(true);
    await press('button[type="submit"]');

    await step(page, "execution");
    await page.getByTestId("execution-automatic").waitFor();
    await screen(page, "06-execution-dev");
    await press('button[type="submit"]');

    await step(page, "keySource");
    await screen(page, "07-key-source");
    await press('button[type="submit"]');

    await step(page, "showMnemonic");
    const words = await page.getByTestId("mnemonic-word").allTextContents();
    expect(words).toHaveLength(24);
    for (const w of words) expect(w).toMatch(/^[a-z]{3,8}$/);
    const mnemonic = words.join(" ");
    // the user copies a word although told not to; the app clears the clipboard when leaving the words.
    // The clipboard is read from a helper page of another origin (the app's own policy forbids clipboard-read).
    const clipboard = async (write?: string): Promise<string> => {
      await clip.bringToFront();
      const text = await clip.evaluate(async (w) => {
        if (w !== null) await navigator.clipboard.writeText(w);
        return navigator.clipboard.readText();
      }, write ?? null);
      await page.bringToFront();
      return text;
    };
    expect(await clipboard(words[0])).toBe(words[0]);
    await screen(page, "08-mnemonic-shown-masked", ['[data-testid="mnemonic-words"]']);
    expect(await page.locator('button[type="submit"]').isDisabled()).toBe(true);
    await press('[data-testid="wrote-down"]', "Space");
    await press('button[type="submit"]');

    await step(page, "confirmMnemonic");
    await expect.poll(() => clipboard()).toBe("");
    await clip.close();
    blank.close();
    expect(await page.getByTestId("mnemonic-word").count()).toBe(0);
    const asked = await page.evaluate(() =>
      [0, 1, 2].map((i) => {
        const input = document.querySelector<HTMLInputElement>(`[data-testid="confirm-word-${i}"]`);
        return Number(/#(\d+)/.exec(input?.labels?.[0]?.textContent ?? "")?.[1]);
      }),
    );
    expect(asked.every((n) => n >= 1 && n <= 24)).toBe(true);
    // wrong words first: one clear error, nothing confirmed
    for (let i = 0; i < 3; i++) {
      await tabTo(page, `[data-testid="confirm-word-${i}"]`);
      await page.keyboard.type("zzzz");
    }
    await press('button[type="submit"]');
    await page.getByTestId("error").waitFor();
    await screen(page, "11-confirm-wrong");
    for (let i = 0; i < 3; i++) {
      await tabTo(page, `[data-testid="confirm-word-${i}"]`);
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Backspace");
      await page.keyboard.type(words[asked[i] - 1]);
    }
    await press('button[type="submit"]');

    await step(page, "withdrawal");
    await tabTo(page, '[data-testid="withdrawal-address"]');
    await page.keyboard.type(WITHDRAWAL_ADDRESS);
    expect(await page.getByTestId("key-count").inputValue()).toBe("4");
    expect(await page.getByTestId("amount").inputValue()).toBe("32");
    await tabTo(page, '[data-testid="password"]');
    await page.keyboard.type(PASSWORD);
    await tabTo(page, '[data-testid="password2"]');
    await page.keyboard.type(PASSWORD);
    await screen(page, "14-withdrawal");
    await press('button[type="submit"]');

    await step(page, "review");
    await screen(page, "15-review");
    await press('[data-testid="generate"]');
    await step(page, "done");
    await page.getByTestId("deposit-valid").waitFor();
    await screen(page, "16-keys-ready");

    // independent check of what the UI made
    const pubkeys = (await page.getByTestId("pubkeys").locator("code").allTextContents()).map((p) =>
      p.replace(/^0x/, ""),
    );
    expect(pubkeys).toHaveLength(4);
    const depositFile = (await page.getByTestId("deposit-file").textContent()) ?? "";
    const keystoresDir = (await page.getByTestId("keystores-dir").textContent()) ?? "";
    expect(depositFile.startsWith(main.dataDir)).toBe(true);
    const deposits = JSON.parse(readFileSync(depositFile, "utf8")) as DepositEntry[];
    expect(deposits).toHaveLength(4);
    expect(checkDeposits(deposits, DEV_GENESIS_FORK_VERSION)).toEqual([]);
    expect(deposits.map((d) => d.pubkey.replace(/^0x/, ""))).toEqual(pubkeys);
    for (const d of deposits) {
      expect(d.withdrawal_credentials.replace(/^0x/, "")).toBe(`01${"00".repeat(11)}${WITHDRAWAL_ADDRESS.slice(2)}`);
      expect(Number(d.amount)).toBe(32e9);
    }
    // a tampered entry fails the same check (the checker can fail)
    expect(checkDeposits([{...deposits[0], amount: 31e9}], DEV_GENESIS_FORK_VERSION)).not.toEqual([]);
    const keystores = readdirSync(keystoresDir).filter((f) => f.startsWith("keystore") && f.endsWith(".json"));
    expect(keystores).toHaveLength(4);

    await press('[data-testid="start-node"]');
    await page.getByTestId("dashboard-title").waitFor({timeout: 60_000});
    await shot(page, "17-dashboard-starting");

    // the dev chain built from that deposit data runs those keys
    const balances = async (): Promise<number[]> =>
      await page
        .getByTestId("validator-balance")
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-gwei"))));
    await until(
      "4 active validators on the dashboard",
      300_000,
      async () => {
        const st = await page
          .getByTestId("validator-status")
          .evaluateAll((els) => els.map((e) => e.getAttribute("data-status")));
        return st.length === 4 && st.every((s) => s === "active_ongoing");
      },
      [main.proc],
    );
    const shownKeys = await page
      .getByTestId("validator-row")
      .locator("code")
      .evaluateAll((els) => els.map((e) => e.getAttribute("title")?.replace(/^0x/, "")));
    expect([...shownKeys].sort()).toEqual([...pubkeys].sort());
    const first = (await balances()).reduce((a, b) => a + b, 0);
    await until(
      "a finalized epoch ≥ 1 and a higher total balance on the dashboard",
      420_000,
      async () => {
        const fin = Number(await page.getByTestId("finalized-epoch").textContent());
        const now = (await balances()).reduce((a, b) => a + b, 0);
        return fin >= 1 && now > first;
      },
      [main.proc],
    );
    await page.getByTestId("balance-chart").waitFor({timeout: 120_000});
    await page.getByTestId("event-feed").locator("li").first().waitFor({timeout: 60_000});
    await expect.poll(() => page.getByTestId("log-lines").textContent(), {timeout: 60_000}).toMatch(/\[dev\]/);
    expect(await page.getByTestId("sync-state").textContent()).toBe("Synced");
    await screen(page, "18-dashboard");

    // the theme toggle and Settings, by keyboard
    await press('[data-testid="theme-toggle"]');
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await screen(page, "19-dashboard-dark");
    await press("nav button:nth-of-type(2)");
    await page.getByTestId("settings-title").waitFor();
    await screen(page, "20-settings-dark");

    // Spanish everywhere after onboarding too
    await page.selectOption('[data-testid="settings-language"]', "es");
    await page.waitForFunction(() => document.documentElement.lang === "es");
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "21-settings-es");
    await page.getByRole("button", {name: "Panel"}).click();
    await page.getByTestId("validator-row").first().waitFor();
    expect(await foreignStrings(page, "es")).toEqual([]);
    await screen(page, "22-dashboard-es");
    await ctx.close();

    // the mnemonic is in no file, log, argv or environment
    const procs = [main.proc.child.pid ?? -1, ...descendants(main.proc.child.pid ?? -1)];
    expect(procs.length).toBeGreaterThanOrEqual(3); // ceibo ui → ceibo dev → its beacon node + validator client
    const leaks: string[] = [];
    for (const pid of procs) {
      for (const f of ["cmdline", "environ"]) {
        try {
          if (readFileSync(`/proc/${pid}/${f}`).toString("utf8").replace(/\0/g, " ").includes(mnemonic))
            leaks.push(`/proc/${pid}/${f}`);
        } catch {
          // exited
        }
      }
    }
    leaks.push(...filesContaining(main.dataDir, mnemonic));
    leaks.push(...filesContaining(main.dataDir, words.slice(0, 6).join(" ")));
    if (main.proc.output.includes(words.slice(0, 6).join(" "))) leaks.push("ceibo ui output");
    expect(leaks).toEqual([]);
  });
});
