/** `ceibo validator exit`: sign and submit voluntary exits through a beacon node. */
import {existsSync, readFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {sleep} from "@ceibo/utils";
import {type Command, UsageError} from "../command.ts";
import {createPrompter} from "../prompt.ts";
import {checkUrl, dataDirOf} from "./validatorOps.ts";

export const VALIDATOR_EXIT_HELP = `Usage: ceibo validator exit --pubkeys 0x…[,0x…] [--beacon-node URL] [--data-dir D]
                            [--keystores DIR (--password-file F | --password-dir PDIR)] [--yes] [--no-wait]

Voluntarily exits validators: PERMANENT — an exited validator stops earning and cannot come back; its balance
becomes withdrawable later (to its withdrawal credentials). For each pubkey it checks through the Beacon API that
the validator is known, active, not exiting yet and has been active for SHARD_COMMITTEE_PERIOD epochs; asks you to
type the pubkey back (unless --yes; the answer is read from stdin when it is not a terminal); signs a
VoluntaryExit for the current epoch with the EIP-7044 domain (DOMAIN_VOLUNTARY_EXIT with CAPELLA_FORK_VERSION
from deneb on); submits it to POST /eth/v1/beacon/pool/voluntary_exits; prints the validators already in the exit
queue and the estimated exit epoch (electra churn rules); then waits until a block includes the exit and prints
the exit epoch and the withdrawable epoch read from the chain.

Options:
  --pubkeys 0x…[,0x…]           the validators to exit (48-byte BLS pubkeys)
  --beacon-node URL             Beacon API of a synced beacon node (default http://127.0.0.1:5052)
  --data-dir D                  the validator's data directory (default ./ceibo-validator; --dataDir also works):
                                the keys imported into it (ceibo validator import / Keymanager API) sign
  --keystores DIR               … or take the keys from this folder of EIP-2335 keystores, with
  --password-file F             one password for all of them ("-": from stdin, then give --yes), or
  --password-dir PDIR           one password file per key (<pubkey>.txt, as ceibo validator import takes)
  --epoch N                     the exit's epoch (default: the head's epoch; a later one is not valid yet)
  --yes                         do not ask for confirmation
  --no-wait                     do not wait for the exit to be included in a block
  --wait-timeout SECS           how long to wait for inclusion (default: 2 epochs)
  -h, --help                    this help

The process's preset (CEIBO_PRESET=mainnet|minimal) must be the beacon node's. The validator client may keep
running on D meanwhile (exits are not slashing-protected and take no lock).`;

export const validatorExitCommand: Command = {
  summary: "sign and submit voluntary exits (EIP-7044) through a beacon node",
  async run(argv) {
    const {values, positionals} = parseArgs({
      args: argv,
      options: {
        pubkeys: {type: "string"},
        "beacon-node": {type: "string"},
        dataDir: {type: "string"},
        "data-dir": {type: "string"},
        keystores: {type: "string"},
        "password-file": {type: "string"},
        "password-dir": {type: "string"},
        epoch: {type: "string"},
        yes: {type: "boolean", default: false},
        "no-wait": {type: "boolean", default: false},
        "wait-timeout": {type: "string"},
        help: {type: "boolean", short: "h", default: false},
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      console.log(VALIDATOR_EXIT_HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (see --help)`);
    if (values.pubkeys === undefined) throw new UsageError("--pubkeys 0x…[,0x…] is required");
    const pubkeys = [...new Set(values.pubkeys.split(",").map((p) => p.trim().toLowerCase()))];
    for (const p of pubkeys) {
      if (!/^0x[0-9a-f]{96}$/.test(p)) throw new UsageError(`--pubkeys: "${p}" is not a 0x-prefixed 48-byte pubkey`);
    }
    const url = checkUrl("beacon-node", values["beacon-node"] ?? "http://127.0.0.1:5052");
    const epochArg = values.epoch === undefined ? undefined : Number(values.epoch);
    if (epochArg !== undefined && !(Number.isSafeInteger(epochArg) && epochArg >= 0)) {
      throw new UsageError(`--epoch must be an epoch number, got "${values.epoch}"`);
    }
    const waitArg = values["wait-timeout"] === undefined ? undefined : Number(values["wait-timeout"]);
    if (waitArg !== undefined && !(Number.isFinite(waitArg) && waitArg >= 0)) {
      throw new UsageError(`--wait-timeout must be seconds, got "${values["wait-timeout"]}"`);
    }
    if (values.keystores === undefined && (values["password-file"] ?? values["password-dir"]) !== undefined) {
      throw new UsageError("--password-file / --password-dir go with --keystores");
    }
    const dataDir = dataDirOf(values);
    const km = await import("@ceibo/keymanager");
    const {toHex} = await import("@ceibo/utils");
    const vc = await import("@ceibo/validator-client");

    // 1. the keys, before asking the node anything: an unknown pubkey is a local mistake
    const jobs = new Map<string, {keystorePath: string; password: string}>();
    if (values.keystores !== undefined) {
      const scanned = km.scanKeystoreDir(values.keystores);
      const wanted = scanned.keystores.filter((k) => pubkeys.includes(toHex(k.parsed.pubkey).toLowerCase()));
      const passwords = km.keystorePasswords(wanted, {
        password:
          values["password-file"] === undefined ? undefined : await km.readPasswordFile(values["password-file"]),
        passwordDir: values["password-dir"],
      });
      for (const [i, k] of wanted.entries()) {
        jobs.set(toHex(k.parsed.pubkey).toLowerCase(), {keystorePath: k.path, password: passwords[i]});
      }
    } else {
      const d = vc.keymanagerDirs(dataDir);
      for (const p of pubkeys) {
        const keystorePath = join(d.keystores, `${p}.json`);
        if (existsSync(keystorePath)) jobs.set(p, {keystorePath, password: readFileSync(join(d.secrets, p), "utf8")});
      }
    }
    for (const p of pubkeys) {
      if (!jobs.has(p)) {
        throw new Error(
          `unknown pubkey ${p}: it is not among the keys in ${values.keystores !== undefined ? resolve(values.keystores) : `${dataDir} (imported keys)`}`,
        );
      }
    }

    // 2. the chain, and what it says about each validator
    const api = vc.beaconApiClient(url);
    const chain = await vc.fetchChainInfo(api);
    const {SLOTS_PER_EPOCH} = await import("@ceibo/params");
    const headSlot = (await api.getSyncingStatus()).data.headSlot;
    const headEpoch = Math.floor(headSlot / SLOTS_PER_EPOCH);
    const candidates = await vc.checkExitable(api, chain.config, pubkeys, headEpoch);
    const exitEpoch = epochArg ?? headEpoch;

    // 3. confirmation
    if (!values.yes) {
      const prompter = createPrompter();
      try {
        for (const c of candidates) {
          console.error(
            `Exiting validator ${c.pubkey} (index ${c.index}) is PERMANENT: it stops validating and cannot return.`,
          );
          const answer = await prompter.ask("Type its pubkey to confirm: ").catch(() => "");
          const norm = answer
            .trim()
            .toLowerCase()
            .replace(/^(?!0x)/, "0x");
          if (norm !== c.pubkey) {
            throw new Error(`confirmation for ${c.pubkey} did not match: nothing was signed or submitted`);
          }
        }
      } finally {
        prompter.close();
      }
    }

    // 4. sign and submit
    const keys = await km.decryptKeystoresParallel(
      candidates.map((c) => jobs.get(c.pubkey) as {keystorePath: string; password: string}),
    );
    const submitted: typeof candidates = [];
    try {
      for (const [i, c] of candidates.entries()) {
        const signed = vc.signVoluntaryExit(chain.config, keys[i].secretKey, {
          epoch: exitEpoch,
          validatorIndex: c.index,
        });
        try {
          await api.submitPoolVoluntaryExit({signedVoluntaryExit: signed});
        } catch (e) {
          throw new Error(
            `the beacon node refused the exit of ${c.pubkey} (index ${c.index}): ${(e as Error).message}`,
          );
        }
        console.log(
          `Submitted the voluntary exit of ${c.pubkey} (index ${c.index}, epoch ${exitEpoch}, signature ${toHex(signed.signature).slice(0, 18)}…)`,
        );
        submitted.push(c);
      }
    } finally {
      for (const k of keys) k.secretKey.fill(0);
    }

    // 5. the queue, then the chain's answer
    const epochMs = SLOTS_PER_EPOCH * chain.config.chain.SLOT_DURATION_MS;
    const when = (epoch: number) => new Date(chain.genesisTime * 1000 + epoch * epochMs).toISOString();
    try {
      // the exits go into the next block: estimate for the epoch of the next slot by the clock
      const clockSlot = Math.floor((Date.now() - chain.genesisTime * 1000) / chain.config.chain.SLOT_DURATION_MS);
      const inclusionEpoch = Math.max(headEpoch, Math.floor((clockSlot + 1) / SLOTS_PER_EPOCH));
      const q = await vc.estimateExitQueue(api, chain.config, submitted, inclusionEpoch);
      const churn =
        q.churnUnit === "gwei"
          ? `${q.churnPerEpoch / 1e9} ETH of exits per epoch`
          : `${q.churnPerEpoch} exits per epoch`;
      console.log(
        `Exit queue: ${q.ahead} validator(s) (${q.aheadBalance / 1e9} ETH) ahead; churn ${churn}. ` +
          submitted
            .map((c, i) => `${c.pubkey}: estimated exit epoch ${q.exitEpochs[i]} (≈ ${when(q.exitEpochs[i])})`)
            .join("; "),
      );
    } catch (e) {
      console.log(`Exit queue: could not be estimated (${(e as Error).message})`);
    }
    if (values["no-wait"]) return 0;
    const timeoutMs = waitArg !== undefined ? waitArg * 1000 : 2 * epochMs;
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(submitted.map((c) => c.pubkey));
    console.log(`Waiting up to ${Math.round(timeoutMs / 1000)} s for a block to include the exit(s) …`);
    while (pending.size > 0) {
      const res = await api.postStateValidators({stateId: "head", validatorIds: [...pending] as `0x${string}`[]});
      for (const v of res.data) {
        const p = toHex(v.validator.pubkey);
        if (!vc.isFarFuture(v.validator.exitEpoch)) {
          pending.delete(p);
          console.log(
            `Validator ${p} (index ${v.index}): exit epoch ${v.validator.exitEpoch} (≈ ${when(v.validator.exitEpoch)}), ` +
              `withdrawable from epoch ${v.validator.withdrawableEpoch}; status ${v.status}`,
          );
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) {
        console.log(
          `Not included yet after ${Math.round(timeoutMs / 1000)} s: ${[...pending].join(", ")} (the exit stays in the ` +
            "node's pool; check later with GET /eth/v1/beacon/states/head/validators/<pubkey>)",
        );
        return 0;
      }
      await sleep(Math.min(2000, chain.config.chain.SLOT_DURATION_MS));
    }
    return 0;
  },
};
