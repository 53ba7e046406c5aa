import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {checkDepositData, depositNetworkByName} from "@ceibo/keymanager";
import {afterAll, describe, expect, it} from "vitest";
import {dispatch} from "../src/host/dispatch.ts";
import {HostError} from "../src/host/errors.ts";
import {createHost} from "../src/host/host.ts";
import {SETTINGS_FILE, SettingsStore} from "../src/host/settings.ts";
import {CHANNELS} from "../src/shared/contract.ts";

const root = mkdtempSync(join(tmpdir(), "ceibo-host-"));
afterAll(() => rmSync(root, {recursive: true, force: true}));
let n = 0;
const freshDir = (): string => join(root, `d${n++}`);

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HostError);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe("contract completeness", () => {
  it("the host implements exactly the contract's channels; unknown names are refused", async () => {
    const host = createHost({dataDir: freshDir(), mode: "browser"});
    expect(Object.keys(host.handlers).sort()).toEqual([...CHANNELS].sort());
    expect(CHANNELS.length).toBe(new Set(CHANNELS).size);
    for (const bad of ["__proto__", "constructor", "toString", "fs.readFile", ""]) {
      const msg = await refused(dispatch(host.handlers, bad, {}));
      expect(msg).toContain("unknown channel");
    }
  });
});

describe("settings", () => {
  it("validates every field and names the bad one", async () => {
    const host = createHost({dataDir: freshDir(), mode: "browser"});
    const cases: [unknown, string][] = [
      [{network: "ropsten"}, '"network"'],
      [{language: "fr"}, '"language"'],
      [{theme: 3}, '"theme"'],
      [{onboarded: "yes"}, '"onboarded"'],
      [{beaconUrl: "file:///etc/passwd"}, '"beaconUrl"'],
      [{executionUrl: "not a url"}, '"executionUrl"'],
      [{nope: 1}, 'unknown field "nope"'],
      [{keystoresDir: "/etc"}, '"keystoresDir" is set by key generation'],
      [{depositDataFile: "/etc/passwd"}, '"depositDataFile" is set by key generation'],
      [[], "JSON object"],
      [null, "JSON object"],
    ];
    for (const [input, needle] of cases) {
      expect(await refused(dispatch(host.handlers, "settings.set", input))).toContain(needle);
    }
    expect((await host.handlers["settings.get"]({})).network).toBe("dev");
  });

  it("persists to a 0600 JSON file and reloads it; a corrupt file is refused by name", async () => {
    const dir = freshDir();
    const host = createHost({dataDir: dir, mode: "browser"});
    await host.handlers["settings.set"]({network: "hoodi", language: "es", beaconUrl: "http://127.0.0.1:5052"});
    const file = join(dir, SETTINGS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new SettingsStore(dir).get()).toMatchObject({network: "hoodi", language: "es", theme: "system"});
    writeFileSync(file, '{"network": "moon"}');
    expect(() => new SettingsStore(dir)).toThrow(/desktop-settings\.json.*"network"/);
  });
});

describe("keys", () => {
  it("makes a 24-word mnemonic, checks the 3 re-entered words, and refuses to generate before that", async () => {
    const host = createHost({dataDir: freshDir(), mode: "browser", kdf: "pbkdf2"});
    const m = await host.handlers["keys.newMnemonic"]({});
    expect(m.words).toHaveLength(24);
    expect(new Set(m.confirmIndices).size).toBe(3);
    const gen = {
      sessionId: m.sessionId,
      withdrawalKind: "eth1" as const,
      withdrawalAddress: `0x${"ab".repeat(20)}`,
      count: 1,
      amountEth: "32",
      password: "correct horse battery",
    };
    expect(await refused(host.handlers["keys.generate"](gen))).toContain("confirm the mnemonic");
    const wrong = m.confirmIndices.map((i) => m.words[(i + 1) % 24]) as [string, string, string];
    if (wrong.join() !== m.confirmIndices.map((i) => m.words[i]).join()) {
      expect((await host.handlers["keys.confirmMnemonic"]({sessionId: m.sessionId, words: wrong})).confirmed).toBe(
        false,
      );
    }
    const right = m.confirmIndices.map((i) => ` ${m.words[i].toUpperCase()} `) as [string, string, string];
    expect((await host.handlers["keys.confirmMnemonic"]({sessionId: m.sessionId, words: right})).confirmed).toBe(true);
  });

  it("refuses an invalid existing mnemonic without echoing it, and bad generate input by field", async () => {
    const host = createHost({dataDir: freshDir(), mode: "browser"});
    const bad = "abandon ".repeat(23) + "zebra";
    const msg = await refused(host.handlers["keys.importMnemonic"]({mnemonic: bad}));
    expect(msg).toContain("not valid");
    expect(msg).not.toContain("abandon");
    const {sessionId} = await host.handlers["keys.importMnemonic"]({mnemonic: `${"abandon ".repeat(23)}art`});
    const base = {sessionId, withdrawalKind: "eth1", withdrawalAddress: `0x${"11".repeat(20)}`, count: 1};
    const cases: [Record<string, unknown>, string][] = [
      [{...base, amountEth: "32", password: "short"}, "at least 8"],
      [{...base, amountEth: "33", password: "long enough"}, "amount"],
      [{...base, amountEth: "32", password: "long enough", withdrawalAddress: "0x12"}, "withdrawal address"],
      [{...base, amountEth: "32", password: "long enough", count: 0}, '"count"'],
      [{...base, amountEth: "32", password: "long enough", withdrawalKind: "bls"}, '"withdrawalKind"'],
    ];
    for (const [input, needle] of cases) {
      expect(await refused(dispatch(host.handlers, "keys.generate", input))).toContain(needle);
    }
  });

  it("generates keystores + a valid deposit_data file for the dev network; the mnemonic is in no file", async () => {
    const dir = freshDir();
    const progress: number[] = [];
    const host = createHost({dataDir: dir, mode: "browser", kdf: "pbkdf2"});
    host.events.on("event", (e) => {
      if (e.type === "keys.progress") progress.push(e.done);
    });
    const m = await host.handlers["keys.newMnemonic"]({});
    const words = m.confirmIndices.map((i) => m.words[i]) as [string, string, string];
    await host.handlers["keys.confirmMnemonic"]({sessionId: m.sessionId, words});
    const out = await host.handlers["keys.generate"]({
      sessionId: m.sessionId,
      withdrawalKind: "compounding",
      withdrawalAddress: `0x${"cd".repeat(20)}`,
      count: 2,
      amountEth: "64",
      password: "correct horse battery",
    });
    expect(out.pubkeys).toHaveLength(2);
    expect(out.problems).toEqual([]);
    const text = readFileSync(out.depositDataFile, "utf8");
    const deposits = JSON.parse(text) as {amount: number; withdrawal_credentials: string; network_name: string}[];
    expect(deposits.map((d) => d.amount)).toEqual([64e9, 64e9]);
    expect(deposits[0].withdrawal_credentials).toBe(`02${"00".repeat(11)}${"cd".repeat(20)}`);
    expect(checkDepositData(text, out.depositDataFile, depositNetworkByName("dev")).problems).toEqual([]);
    expect(readdirSync(out.keystoresDir).filter((f) => f.startsWith("keystore-"))).toHaveLength(2);
    expect(progress.at(-1)).toBe(2);
    expect((await host.handlers["keys.list"]({})).pubkeys.sort()).toEqual([...out.pubkeys].sort());
    const pw = join(dir, "secrets", "keystore-password.txt");
    expect(statSync(pw).mode & 0o777).toBe(0o600);
    expect((await host.handlers["settings.get"]({})).depositDataFile).toBe(out.depositDataFile);
    // the session is gone: the mnemonic cannot be used again
    expect(await refused(host.handlers["keys.generate"]({...out, sessionId: m.sessionId} as never))).toBeTruthy();
    // no file in the data dir holds the mnemonic or a run of its words
    const phrase = m.words.join(" ");
    for (const f of filesUnder(dir)) {
      const body = readFileSync(f, "utf8");
      expect(body.includes(phrase), f).toBe(false);
      expect(body.includes(m.words.slice(0, 3).join(" ")), f).toBe(false);
    }
    // a second key set into the same data dir is refused rather than mixed in
    const again = await host.handlers["keys.newMnemonic"]({});
    const w2 = again.confirmIndices.map((i) => again.words[i]) as [string, string, string];
    await host.handlers["keys.confirmMnemonic"]({sessionId: again.sessionId, words: w2});
    const msg = await refused(
      host.handlers["keys.generate"]({
        sessionId: again.sessionId,
        withdrawalKind: "eth1",
        withdrawalAddress: `0x${"cd".repeat(20)}`,
        count: 1,
        amountEth: "32",
        password: "correct horse battery",
      }),
    );
    expect(msg).toContain("already exist");
    expect(existsSync(out.depositDataFile)).toBe(true);
  });

  it("hoodi keys carry hoodi's fork version; starting needs an execution client and its JWT secret", async () => {
    const dir = freshDir();
    const host = createHost({dataDir: dir, mode: "browser", kdf: "pbkdf2"});
    await host.handlers["settings.set"]({network: "hoodi"});
    const {sessionId} = await host.handlers["keys.importMnemonic"]({mnemonic: `${"abandon ".repeat(23)}art`});
    const out = await host.handlers["keys.generate"]({
      sessionId,
      withdrawalKind: "eth1",
      withdrawalAddress: `0x${"11".repeat(20)}`,
      count: 1,
      amountEth: "32",
      password: "correct horse battery",
    });
    const text = readFileSync(out.depositDataFile, "utf8");
    expect(JSON.parse(text)[0].fork_version).toBe("10000910");
    expect(checkDepositData(text, out.depositDataFile, depositNetworkByName("hoodi")).problems).toEqual([]);
    expect(await refused(host.handlers["node.start"]({}))).toContain("needs an execution client");
    await host.handlers["settings.set"]({executionUrl: "http://127.0.0.1:8551"});
    expect(await refused(host.handlers["node.start"]({}))).toContain("JWT secret");
    expect((await host.handlers["node.status"]({})).processes).toEqual([]);
  });

  it("node.start before keys exist is refused with the step to take", async () => {
    const host = createHost({dataDir: freshDir(), mode: "browser"});
    expect(await refused(host.handlers["node.start"]({}))).toContain("keys first");
  });
});
