/**
 * `ceibo validator import`, `ceibo slashing-protection export|import` and `ceibo validator bls-change --out`, run as
 * the real `ceibo` child process against real files, a real slashing-protection database and the real signing gate.
 * (Exit and bls-change against a running dev chain: validatorOpsDevChain.test.ts.)
 */

import {spawn, spawnSync} from "node:child_process";
import {createHash} from "node:crypto";
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {BeaconConfig, computeDomain, computeSigningRoot, createDevChainConfig} from "@ceibo/config";
import {deriveKeyFromSeed, encryptKeystore, mnemonicToSeed} from "@ceibo/keymanager";
import {DOMAIN_BEACON_ATTESTER, DOMAIN_VOLUNTARY_EXIT, ETH1_ADDRESS_WITHDRAWAL_PREFIX} from "@ceibo/params";
import {SlashingProtection} from "@ceibo/slashing-protection";
import {createInteropGenesisState, interopSecretKey, processBlsToExecutionChange} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import {digest} from "@chainsafe/as-sha256";
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {afterAll, beforeAll, describe, expect, it, vi} from "vitest";
import {KeyStore, loadKeymanagerState, Signer, signVoluntaryExit, ValidatorClientError} from "../src/index.ts";

// every case runs several `ceibo` processes: generous on a busy 2-core machine
vi.setConfig({testTimeout: 300_000, hookTimeout: 120_000});

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin/ceibo");
const env = {
  ...process.env,
  PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}`,
  CEIBO_PRESET: "mainnet",
};
const ceibo = (args: string[], input?: string) =>
  spawnSync(BIN, args, {encoding: "utf8", env, input: input ?? "", timeout: 120_000});

const GVR = toHex(new Uint8Array(32).fill(0x3c));
const OTHER_GVR = toHex(new Uint8Array(32).fill(0x5a));
const chainConfig = createDevChainConfig({preset: "mainnet"});
const config = new BeaconConfig(chainConfig, fromHex(GVR));

/**
 * Every file under `dir` (relative path → sha256). LevelDB's files can be left out (opening a database compacts its
 * log into a table: the same records in other files); the records are then compared through an export.
 */
function snapshot(dir: string, opts: {skipLevelDbHousekeeping?: boolean} = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) {
        out[`${path.relative(dir, p)}/`] = "dir";
        walk(p);
      } else if (
        !(opts.skipLevelDbHousekeeping && /^(LOG|LOG\.old|LOCK|CURRENT|MANIFEST-\d+|\d+\.log|\d+\.ldb)$/.test(name))
      ) {
        out[path.relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
      }
    }
  };
  walk(dir);
  return out;
}

function attData(slot: number, source: number, target: number, root = 1) {
  return {
    slot,
    index: 0,
    beaconBlockRoot: new Uint8Array(32).fill(root),
    source: {epoch: source, root: new Uint8Array(32)},
    target: {epoch: target, root: new Uint8Array(32).fill(root)},
  };
}

async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  if (err === undefined) return undefined;
  expect(err).toBeInstanceOf(ValidatorClientError);
  expect((err as ValidatorClientError).code).toBe("SLASHING_PROTECTION");
  return (err as ValidatorClientError).details.reason as string;
}

describe("validator import / slashing-protection export|import / bls-change (offline)", () => {
  let dir: string;
  const keys = [0, 1, 2].map((i) => interopSecretKey(i));
  const pubkeys = keys.map((k) => toHex(k.toPublicKey().toBytes(true)));
  let sdc: string; // a staking-deposit-cli-shaped folder
  let pwDir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ceibo-valops-"));
    sdc = path.join(dir, "validator_keys");
    pwDir = path.join(dir, "passwords");
    mkdirSync(sdc);
    mkdirSync(pwDir);
    const time = 1733480000;
    for (const [i, k] of keys.entries()) {
      const password = `pass-${i} ünïcode`;
      const ks = await encryptKeystore(k.toBytes(), password, {
        kdf: "pbkdf2",
        cost: 1024,
        path: `m/12381/3600/${i}/0/0`,
      });
      writeFileSync(path.join(sdc, `keystore-m_12381_3600_${i}_0_0-${time}.json`), JSON.stringify(ks));
      // one password file per key, named as Lighthouse/Teku accept: with and without 0x
      const name = i === 1 ? `${pubkeys[i].slice(2)}.txt` : `${pubkeys[i]}.txt`;
      writeFileSync(path.join(pwDir, name), `${password}\n`);
    }
    // the launchpad file staking-deposit-cli writes next to the keystores
    writeFileSync(
      path.join(sdc, `deposit_data-${time}.json`),
      JSON.stringify(
        pubkeys.map((pubkey) => ({
          pubkey: pubkey.slice(2),
          withdrawal_credentials: `00${"11".repeat(31)}`,
          amount: 32000000000,
          signature: "ab".repeat(96),
          deposit_message_root: "cd".repeat(32),
          deposit_data_root: "ef".repeat(32),
          fork_version: "00000000",
          network_name: "mainnet",
          deposit_cli_version: "2.7.0",
        })),
      ),
    );
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("--help of every command lists its options", () => {
    const cases: [string[], string[]][] = [
      [
        ["validator", "import"],
        [
          "--from",
          "--password-file",
          "--password-dir",
          "--data-dir",
          "--slashing-protection",
          "--network",
          "--beacon-node",
          "--genesis-validators-root",
        ],
      ],
      [["slashing-protection"], ["export", "import", "--data-dir", "--file", "--pubkeys", "--force", "--network"]],
      [
        ["validator", "exit"],
        ["--pubkeys", "--beacon-node", "--data-dir", "--keystores", "--password-dir", "--yes", "--no-wait", "--epoch"],
      ],
      [
        ["validator", "bls-change"],
        [
          "--validator-indices",
          "--start-index",
          "--withdrawal-address",
          "--network",
          "--beacon-node",
          "--mnemonic-file",
          "--out",
        ],
      ],
      [["validator"], ["--password-dir", "import", "exit", "bls-change"]],
    ];
    for (const [cmd, options] of cases) {
      const r = ceibo([...cmd, "--help"]);
      expect(r.status, r.stderr).toBe(0);
      for (const o of options) expect(r.stdout, `${cmd.join(" ")} --help lacks ${o}`).toContain(o);
    }
  });

  it("imports a staking-deposit-cli folder with per-key passwords; its keys sign through the signing gate", async () => {
    const data = path.join(dir, "data-import");
    const r = ceibo(["validator", "import", "--from", sdc, "--password-dir", pwDir, "--data-dir", data]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Skipping deposit_data-1733480000\.json: deposit data/);
    for (const p of pubkeys) expect(r.stdout).toContain(`Imported ${p}`);
    expect(r.stdout).toMatch(/Done: 3 imported, 0 already present, 1 file\(s\) skipped/);

    // what the validator client loads at start
    const state = await loadKeymanagerState(data);
    expect(state.local.map((k) => toHex(k.pubkey)).sort()).toEqual([...pubkeys].sort());
    expect(state.local.map((k) => k.derivationPath).sort()).toEqual([0, 1, 2].map((i) => `m/12381/3600/${i}/0/0`));
    const keyStore = new KeyStore();
    for (const k of state.local) {
      keyStore.add({type: "local", pubkey: k.pubkey, secretKey: SecretKey.fromBytes(k.secretKey)});
    }
    const sp = await SlashingProtection.open({
      path: path.join(data, "slashing-protection"),
      genesisValidatorsRoot: GVR,
    });
    try {
      const signer = new Signer({config, keys: keyStore, slashingProtection: sp});
      const att = attData(5 * 32, 3, 5);
      const sig = await signer.signAttestation(fromHex(pubkeys[2]), att);
      const root = computeSigningRoot(
        ssz.phase0.AttestationData,
        att,
        computeDomain(DOMAIN_BEACON_ATTESTER, chainConfig.FULU_FORK_VERSION, fromHex(GVR)),
      );
      expect(verify(root, PublicKey.fromBytes(fromHex(pubkeys[2])), Signature.fromBytes(sig))).toBe(true);
    } finally {
      await sp.close();
    }

    // importing the same folder again changes nothing and says so
    const again = ceibo(["validator", "import", "--from", sdc, "--password-dir", pwDir, "--data-dir", data]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Done: 0 imported, 3 already present/);
  });

  it("ceibo validator --keystores takes a staking-deposit-cli folder as it is, with --password-dir", async () => {
    const child = spawn(
      BIN,
      [
        "validator",
        "--beacon-nodes",
        "http://127.0.0.1:9",
        "--keystores",
        sdc,
        "--password-dir",
        pwDir,
        "--data-dir",
        path.join(dir, "data-run"),
      ],
      {env},
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    const exited = new Promise((r) => child.on("exit", r));
    const end = Date.now() + 60_000;
    while (!/Loaded keystores count=3/.test(out) && child.exitCode === null && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGTERM");
    await exited;
    expect(out).toMatch(/Skipping a file that is not a keystore file=deposit_data-1733480000\.json/);
    expect(out).toMatch(/Loaded keystores count=3 source=keystores/);
    expect(out).not.toMatch(/not a JSON object/);
  });

  it("a failed import leaves the data directory exactly as it was, with one line naming what is wrong", async () => {
    const data = path.join(dir, "data-failed");
    // a data dir with one key already in it
    const one = path.join(dir, "one-key");
    mkdirSync(one);
    const first = readdirSync(sdc).find((f) => f.startsWith("keystore-m_12381_3600_0_")) as string;
    writeFileSync(path.join(one, first), readFileSync(path.join(sdc, first)));
    expect(ceibo(["validator", "import", "--from", one, "--password-dir", pwDir, "--data-dir", data]).status).toBe(0);
    const before = snapshot(data);
    expect(Object.keys(before)).toContain(`keymanager/keystores/${pubkeys[0]}.json`);

    // 1. a wrong password for one key
    const badPw = path.join(dir, "bad-passwords");
    mkdirSync(badPw);
    for (const f of readdirSync(pwDir)) writeFileSync(path.join(badPw, f), readFileSync(path.join(pwDir, f)));
    writeFileSync(path.join(badPw, `${pubkeys[2]}.txt`), "not the password");
    const wrong = ceibo(["validator", "import", "--from", sdc, "--password-dir", badPw, "--data-dir", data]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrong.stderr).toMatch(
      new RegExp(`wrong password for keystore .*keystore-m_12381_3600_2_0_0-.*${pubkeys[2]}`),
    );
    expect(snapshot(data)).toEqual(before);

    // 2. a malformed keystore among good ones
    const broken = path.join(dir, "broken");
    mkdirSync(broken);
    for (const f of readdirSync(sdc)) writeFileSync(path.join(broken, f), readFileSync(path.join(sdc, f)));
    const ks = JSON.parse(readFileSync(path.join(sdc, first), "utf8"));
    delete ks.crypto.cipher;
    writeFileSync(path.join(broken, "keystore-m_12381_3600_9_0_0-1.json"), JSON.stringify(ks));
    const malformed = ceibo(["validator", "import", "--from", broken, "--password-dir", pwDir, "--data-dir", data]);
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toMatch(/invalid keystore .*keystore-m_12381_3600_9_0_0-1\.json/);
    expect(snapshot(data)).toEqual(before);

    // 3. a missing password file
    const fewer = path.join(dir, "fewer-passwords");
    mkdirSync(fewer);
    writeFileSync(path.join(fewer, `${pubkeys[0]}.txt`), readFileSync(path.join(pwDir, `${pubkeys[0]}.txt`)));
    const missing = ceibo(["validator", "import", "--from", sdc, "--password-dir", fewer, "--data-dir", data]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no password for keystore .*keystore-m_12381_3600_1_0_0-.* in /);
    expect(snapshot(data)).toEqual(before);

    // 4. an interchange of another network (the data dir's network named with --genesis-validators-root)
    const foreign = path.join(dir, "foreign.json");
    writeFileSync(
      foreign,
      JSON.stringify({
        metadata: {interchange_format_version: "5", genesis_validators_root: OTHER_GVR},
        data: [{pubkey: pubkeys[1], signed_blocks: [{slot: "7"}], signed_attestations: []}],
      }),
    );
    const args = ["validator", "import", "--from", sdc, "--password-dir", pwDir, "--data-dir", data];
    const other = ceibo([...args, "--slashing-protection", foreign, "--genesis-validators-root", GVR]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(
      new RegExp(`interchange .*foreign\\.json is for genesis_validators_root ${OTHER_GVR}.*another network`),
    );
    expect(snapshot(data)).toEqual(before);
    // … and without naming the network, the data dir (no history yet) cannot tell: refused too
    const unknown = ceibo([...args, "--slashing-protection", foreign]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/cannot tell which network/);
    expect(snapshot(data)).toEqual(before);

    // 5. once the database knows its chain, the same file is refused by that alone (LevelDB's own log files aside)
    const sp = await SlashingProtection.open({
      path: path.join(data, "slashing-protection"),
      genesisValidatorsRoot: GVR,
    });
    await sp.checkAndInsertBlock(pubkeys[0], 100, new Uint8Array(32).fill(1));
    await sp.close();
    const records = async () => {
      const store = await SlashingProtection.open({
        path: path.join(data, "slashing-protection"),
        genesisValidatorsRoot: GVR,
      });
      try {
        return [await store.exportInterchange(GVR), await store.exportInterchange(OTHER_GVR)];
      } finally {
        await store.close();
      }
    };
    const withDb = snapshot(data, {skipLevelDbHousekeeping: true});
    const recordsBefore = await records();
    expect(recordsBefore[0].data).toHaveLength(1);
    const refused = ceibo([...args, "--slashing-protection", foreign]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/is for genesis_validators_root 0x5a5a.*but this data directory is for 0x3c3c/);
    expect(snapshot(data, {skipLevelDbHousekeeping: true})).toEqual(withDb);
    expect(await records()).toEqual(recordsBefore);

    // and a good interchange goes in together with the keys
    const good = path.join(dir, "good.json");
    writeFileSync(
      good,
      JSON.stringify({
        metadata: {interchange_format_version: "5", genesis_validators_root: GVR},
        data: [
          {
            pubkey: pubkeys[1],
            signed_blocks: [{slot: "7"}],
            signed_attestations: [{source_epoch: "1", target_epoch: "2"}],
          },
        ],
      }),
    );
    const ok = ceibo([...args, "--slashing-protection", good]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /Slashing protection imported for 1 validator\(s\): 1 block\(s\) and 1 attestation\(s\) in the file, 1 block\(s\) and 1 attestation\(s\) new/,
    );
    expect(ok.stdout).toMatch(/Done: 2 imported, 1 already present/);
  });

  it("slashing-protection export → import into another data directory → what the history forbids is refused", async () => {
    const a = path.join(dir, "sp-a");
    const b = path.join(dir, "sp-b");
    const key = keys[0];
    const pubkey = key.toPublicKey().toBytes(true);
    const spA = await SlashingProtection.open({path: path.join(a, "slashing-protection"), genesisValidatorsRoot: GVR});
    const signerA = new Signer({config, keys: KeyStore.fromSecretKeys([key]), slashingProtection: spA});
    const block = ssz.fulu.BeaconBlock.defaultValue();
    block.slot = 64;
    await signerA.signBlock(pubkey, block);
    await signerA.signAttestation(pubkey, attData(8 * 32, 6, 8));
    await spA.close();

    const file = path.join(dir, "interchange.json");
    const exp = ceibo(["slashing-protection", "export", "--data-dir", a, "--file", file]);
    expect(exp.status, exp.stderr).toBe(0);
    expect(exp.stdout).toMatch(/Exported 1 validator\(s\), 1 block\(s\), 1 attestation\(s\)/);
    const doc = JSON.parse(readFileSync(file, "utf8"));
    expect(doc.metadata).toEqual({interchange_format_version: "5", genesis_validators_root: GVR});
    expect(doc.data[0].signed_blocks[0].slot).toBe("64");
    expect(ceibo(["slashing-protection", "export", "--data-dir", a, "--file", file]).stderr).toMatch(
      /exists: not overwritten/,
    );

    // an empty data dir cannot tell its network: refused, nothing created
    const noNet = ceibo(["slashing-protection", "import", "--data-dir", b, "--file", file]);
    expect(noNet.status).toBe(1);
    expect(noNet.stderr).toMatch(/cannot tell which network/);
    const wrongNet = ceibo(["slashing-protection", "import", "--data-dir", b, "--file", file, "--network", "mainnet"]);
    expect(wrongNet.status).toBe(1);
    expect(wrongNet.stderr).toMatch(/another network/);
    expect(() => statSync(b)).toThrow();

    const imp = ceibo([
      "slashing-protection",
      "import",
      "--data-dir",
      b,
      "--file",
      file,
      "--genesis-validators-root",
      GVR,
    ]);
    expect(imp.status, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(
      /1 validator\(s\); blocks: 1 new, 0 already recorded or merged; attestations: 1 new, 0 already/,
    );
    // again: nothing new; the database now knows its chain, no option needed
    const again = ceibo(["slashing-protection", "import", "--data-dir", b, "--file", file]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/blocks: 0 new, 1 already recorded or merged; attestations: 0 new, 1 already/);
    // another network's file into it: refused
    const foreign = path.join(dir, "interchange-other.json");
    writeFileSync(foreign, JSON.stringify({...doc, metadata: {...doc.metadata, genesis_validators_root: OTHER_GVR}}));
    const other = ceibo(["slashing-protection", "import", "--data-dir", b, "--file", foreign]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/is for genesis_validators_root 0x5a5a.*another network/);

    // the real signing gate on data dir B refuses what A's history forbids, and signs what it allows
    const spB = await SlashingProtection.open({path: path.join(b, "slashing-protection"), genesisValidatorsRoot: GVR});
    try {
      // (while a validator client holds the database, the tools say so instead of failing obscurely)
      const busy = ceibo(["slashing-protection", "export", "--data-dir", b, "--file", path.join(dir, "busy.json")]);
      expect(busy.status).toBe(1);
      expect(busy.stderr).toMatch(/is in use by another process \(is the validator client running/);
      const signerB = new Signer({config, keys: KeyStore.fromSecretKeys([key]), slashingProtection: spB});
      const other64 = ssz.fulu.BeaconBlock.defaultValue();
      other64.slot = 64;
      other64.body.graffiti = new Uint8Array(32).fill(1);
      expect(await refusal(signerB.signBlock(pubkey, other64))).toBe("DOUBLE_BLOCK");
      expect(await refusal(signerB.signAttestation(pubkey, attData(8 * 32, 6, 8, 2)))).toBe("DOUBLE_VOTE");
      expect(await refusal(signerB.signAttestation(pubkey, attData(9 * 32, 5, 9)))).toBe("SURROUNDING_VOTE");
      expect(await refusal(signerB.signAttestation(pubkey, attData(9 * 32, 8, 9)))).toBeUndefined();
      const next = ssz.fulu.BeaconBlock.defaultValue();
      next.slot = 65;
      expect(await refusal(signerB.signBlock(pubkey, next))).toBeUndefined();
    } finally {
      await spB.close();
    }
  });

  it("voluntary exits are signed with the fork's domain before deneb and CAPELLA_FORK_VERSION from deneb (EIP-7044)", () => {
    const staged = createDevChainConfig({
      preset: "mainnet",
      forkEpochs: {altair: 1, bellatrix: 2, capella: 3, deneb: 4, electra: 5, fulu: 6},
    });
    const cfg = new BeaconConfig(staged, fromHex(GVR));
    const sk = keys[0];
    for (const [epoch, version] of [
      [0, staged.GENESIS_FORK_VERSION],
      [1, staged.ALTAIR_FORK_VERSION],
      [3, staged.CAPELLA_FORK_VERSION],
      [4, staged.CAPELLA_FORK_VERSION],
      [5, staged.CAPELLA_FORK_VERSION],
      [9, staged.CAPELLA_FORK_VERSION],
    ] as const) {
      const exit = {epoch, validatorIndex: 7};
      const signed = signVoluntaryExit(cfg, sk.toBytes(), exit);
      const root = computeSigningRoot(
        ssz.phase0.VoluntaryExit,
        exit,
        computeDomain(DOMAIN_VOLUNTARY_EXIT, version, fromHex(GVR)),
      );
      expect(verify(root, sk.toPublicKey(), Signature.fromBytes(signed.signature)), `epoch ${epoch}`).toBe(true);
    }
  });

  it("bls-change --out: signed changes that the state transition's process_bls_to_execution_change accepts", () => {
    // a capella+ state whose validators 3 and 5 have BLS credentials of the mnemonic's withdrawal keys 0 and 1
    const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    const seed = mnemonicToSeed(mnemonic);
    const withdrawalPubkey = (i: number) =>
      SecretKey.fromBytes(deriveKeyFromSeed(seed, `m/12381/3600/${i}/0`))
        .toPublicKey()
        .toBytes(true);
    const devConfig = createDevChainConfig({preset: "mainnet"});
    const cs = createInteropGenesisState(devConfig, {validatorCount: 8, genesisTime: 1_700_000_000});
    for (const [validator, keyIndex] of [
      [3, 0],
      [5, 1],
    ]) {
      const creds = digest(withdrawalPubkey(keyIndex)).slice();
      creds[0] = 0;
      cs.state.validators.get(validator).withdrawalCredentials = creds;
    }
    cs.state.commit();
    const gvr = toHex(cs.state.genesisValidatorsRoot);
    const address = `0x${"ab".repeat(10)}${"cd".repeat(10)}`;
    const out = path.join(dir, "bls_to_execution_change.json");
    const mnemonicFile = path.join(dir, "mnemonic.txt");
    writeFileSync(mnemonicFile, `${mnemonic}\n`, {mode: 0o600});
    const args = ["validator", "bls-change", "--network", "dev", "--genesis-validators-root", gvr];
    const r = ceibo(
      [...args, "--validator-indices", "3,5", "--withdrawal-address", address, "--out", out],
      `${mnemonic}\n`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Wrote 2 signed BLS-to-execution change\(s\)/);
    expect(r.stdout).not.toContain("abandon");
    const doc = JSON.parse(readFileSync(out, "utf8")) as {
      message: {validator_index: string; from_bls_pubkey: string; to_execution_address: string};
      signature: string;
      metadata: {network_name: string; genesis_validators_root: string};
    }[];
    expect(doc.map((d) => d.metadata)).toEqual(
      [0, 1].map(() => expect.objectContaining({network_name: "dev", genesis_validators_root: gvr})),
    );
    for (const d of doc) {
      processBlsToExecutionChange(cs, ssz.capella.SignedBLSToExecutionChange.fromJson(d), true);
    }
    for (const v of [3, 5]) {
      const creds = cs.state.validators.getReadonly(v).withdrawalCredentials;
      expect(creds[0]).toBe(ETH1_ADDRESS_WITHDRAWAL_PREFIX);
      expect(toHex(creds.subarray(12))).toBe(address);
      expect(toHex(creds.subarray(1, 12))).toBe(`0x${"00".repeat(11)}`);
    }

    // the wrong --start-index derives other keys: the state transition refuses those changes
    const wrong = path.join(dir, "bls_wrong.json");
    const w = ceibo([
      ...args,
      "--validator-indices",
      "3",
      "--start-index",
      "1",
      "--withdrawal-address",
      address,
      "--out",
      wrong,
      "--mnemonic-file",
      mnemonicFile,
    ]);
    expect(w.status, w.stderr).toBe(0);
    const cs2 = createInteropGenesisState(devConfig, {validatorCount: 8, genesisTime: 1_700_000_000});
    const creds = digest(withdrawalPubkey(0)).slice();
    creds[0] = 0;
    cs2.state.validators.get(3).withdrawalCredentials = creds;
    cs2.state.commit();
    const [change] = JSON.parse(readFileSync(wrong, "utf8"));
    expect(() =>
      processBlsToExecutionChange(cs2, ssz.capella.SignedBLSToExecutionChange.fromJson(change), true),
    ).toThrow(/does not match the withdrawal credentials/);
    // a mnemonic with a bad checksum is refused with one line, nothing written
    const bad = ceibo(
      [...args, "--validator-indices", "3", "--withdrawal-address", address, "--out", path.join(dir, "x.json")],
      "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon\n",
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/the mnemonic is not valid/);
    expect(() => statSync(path.join(dir, "x.json"))).toThrow();
  });
});
