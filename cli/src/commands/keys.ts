/**
 * `ceibo keys new|recover|validate-deposit`: validator keys from a BIP-39 mnemonic (EIP-2333/2334), EIP-2335
 * keystores and launchpad deposit data, as staking-deposit-cli makes them; and the launchpad's checks of a
 * deposit_data file. Mnemonics and passwords come from a prompt, stdin or a file — never argv or env.
 */
import {readFileSync, statSync} from "node:fs";
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import {type Command, UsageError} from "../command.ts";
import {createPrompter, type Prompter} from "../prompt.ts";

const COMMON_OPTIONS = `  --network NAME                mainnet, hoodi, sepolia or dev (ceibo's dev chains: \`ceibo dev --deposit-data\`)
  --config-file FILE            instead of --network: a consensus-specs config.yaml; its CONFIG_NAME is the
                                network_name and its GENESIS_FORK_VERSION signs the deposits
  --count N                     number of validators (required)
  --start-index I               first validator index i of the key paths (default 0)
  --withdrawal-address 0x…      execution address for withdrawals: 0x01 credentials (0x02 with --compounding)
  --compounding                 0x02 compounding credentials (electra): balances up to 2048 ETH
  --bls-withdrawal-credentials  0x00 credentials from the withdrawal key m/12381/3600/i/0 instead of an address
                                (not recommended: withdrawals need a later \`bls-change\` signed with the mnemonic)
  --amount ETH                  deposit per validator in ETH (default 32; 0x00/0x01: 1 to 32, 0x02: 1 to 2048)
  --out-dir DIR                 where the files go (created if missing; nothing is overwritten)
  --keystore-password-file F    the keystore password (at least 8 characters) from a file; otherwise it is
                                asked for (hidden, twice on a terminal; one stdin line when stdin is not a TTY)
  --kdf scrypt|pbkdf2           keystore KDF (default scrypt, n=2^18 as EIP-2335; pbkdf2 c=2^18 is faster to
                                decrypt and meant for dev chains and tests)`;

const HELP = `Usage: ceibo keys new --network NAME --count N --withdrawal-address 0x… --out-dir DIR [options]
       ceibo keys recover --network NAME --count N --withdrawal-address 0x… --out-dir DIR [--mnemonic-file F] [options]
       ceibo keys validate-deposit FILE --network NAME

Validator keys and deposit data, compatible with staking-deposit-cli and the staking launchpad.

  new               makes a new 24-word BIP-39 mnemonic, shows it ONCE, asks you to re-enter 3 of its words,
                    then writes the keystores and the deposit data
  recover           the same from an existing mnemonic (--mnemonic-file F, else asked for), e.g. to add
                    validators with --start-index or to rebuild lost keystores
  validate-deposit  the launchpad's checks of a deposit_data-*.json: fields, hex lengths, amounts, both roots
                    recomputed, the BLS signature under DOMAIN_DEPOSIT with the network's genesis fork version,
                    fork_version and network_name; one line per problem, exit 1 if there is any

Files written (keys of validator i: signing m/12381/3600/i/0/0, withdrawal m/12381/3600/i/0, EIP-2334):
  DIR/keystore-m_12381_3600_<i>_0_0-<unix time>.json   EIP-2335 keystore of each signing key
  DIR/deposit_data-<unix time>.json                    launchpad deposit data (amounts in Gwei, hex without 0x)
Everything is written into a temporary directory inside DIR and moved into place at the end: on any error
nothing is left half-written. The mnemonic is never written to any file.

Options of new and recover:
${COMMON_OPTIONS}
  --mnemonic-file F             recover only: read the mnemonic from this file (else asked for / one stdin line)

Options of validate-deposit:
  --network NAME | --config-file FILE   the network the deposits must be for
  -h, --help                    this help

When stdin is not a terminal (scripts, tests), answers are read one per line, in this order:
  new:      [password, unless --keystore-password-file] then the 3 confirmation words in the order asked
  recover:  [mnemonic, unless --mnemonic-file] then [password, unless --keystore-password-file]
Mnemonics and passwords are never taken from the command line or the environment.`;

const MIN_PASSWORD_LENGTH = 8;
const CONFIRM_WORDS = 3;

type Keygen = typeof import("@ceibo/keymanager");

interface Network {
  name: string;
  genesisForkVersion: Uint8Array;
}

function resolveNetwork(km: Keygen, network: string | undefined, configFile: string | undefined): Network {
  if (network !== undefined && configFile !== undefined) {
    throw new UsageError("give either --network or --config-file, not both");
  }
  if (configFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(configFile, "utf8");
    } catch (e) {
      throw new UsageError(`cannot read --config-file ${configFile}: ${(e as Error).message}`);
    }
    return km.depositNetworkFromConfigYaml(text, configFile);
  }
  if (network === undefined) {
    throw new UsageError(`--network is required (${km.DEPOSIT_NETWORK_NAMES.join(", ")}) or --config-file FILE`);
  }
  try {
    return km.depositNetworkByName(network);
  } catch (e) {
    throw new UsageError(`--network: ${(e as Error).message}`);
  }
}

function uint(name: string, value: string | undefined, dflt?: number): number {
  if (value === undefined) {
    if (dflt === undefined) throw new UsageError(`--${name} is required`);
    return dflt;
  }
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

/** A progress bar on a TTY (rewritten in place); otherwise a plain line at most every 2 s and at the end. */
function encryptionProgress(
  stream: NodeJS.WriteStream = process.stderr,
): (p: {done: number; total: number; elapsedMs: number; etaMs: number | null}) => void {
  let lastLine = 0;
  return (p) => {
    const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
    const eta = p.etaMs === null ? "" : `, ETA ${Math.ceil(p.etaMs / 1000)} s`;
    const text = `${p.done}/${p.total} keystores encrypted (${pct}%), ${(p.elapsedMs / 1000).toFixed(1)} s${p.done < p.total ? eta : ""}`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round((width * p.done) / Math.max(1, p.total));
      stream.write(
        `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}\x1b[K${p.done === p.total ? "\n" : ""}`,
      );
    } else {
      const now = performance.now();
      if (p.done === p.total || p.done === 0 || now - lastLine >= 2000) {
        lastLine = now;
        stream.write(`Encrypting keystores: ${text}\n`);
      }
    }
  };
}

async function readPassword(km: Keygen, file: string | undefined, prompter: Prompter): Promise<string> {
  let password: string;
  if (file !== undefined) {
    try {
      password = await km.readPasswordFile(file);
    } catch (e) {
      throw new UsageError(`--keystore-password-file: ${(e as Error).message}`);
    }
    if ([...password].length < MIN_PASSWORD_LENGTH) {
      throw new UsageError(
        `--keystore-password-file ${file}: the password must be at least ${MIN_PASSWORD_LENGTH} characters`,
      );
    }
    return password;
  }
  for (let attempt = 0; ; attempt++) {
    password = await prompter.ask("Keystore password (at least 8 characters):", {hidden: true});
    if ([...password].length < MIN_PASSWORD_LENGTH) {
      if (!prompter.interactive || attempt >= 2) {
        throw new UsageError(`the keystore password must be at least ${MIN_PASSWORD_LENGTH} characters`);
      }
      process.stderr.write(`The password must be at least ${MIN_PASSWORD_LENGTH} characters.\n`);
      continue;
    }
    if (!prompter.interactive) return password;
    const again = await prompter.ask("Repeat the keystore password:", {hidden: true});
    if (again === password) return password;
    if (attempt >= 2) throw new UsageError("the passwords did not match");
    process.stderr.write("The passwords did not match; try again.\n");
  }
}

interface KeyOptions {
  network: Network;
  count: number;
  startIndex: number;
  withdrawal: {kind: "bls"} | {kind: "eth1" | "compounding"; address: Uint8Array};
  amountGwei: number;
  outDir: string;
  passwordFile?: string;
  kdf: "scrypt" | "pbkdf2";
  mnemonicFile?: string;
}

function parseKeyOptions(km: Keygen, argv: string[], sub: "new" | "recover"): KeyOptions | null {
  const {values, positionals} = parseArgs({
    args: argv,
    options: {
      network: {type: "string"},
      "config-file": {type: "string"},
      count: {type: "string"},
      "start-index": {type: "string"},
      "withdrawal-address": {type: "string"},
      compounding: {type: "boolean", default: false},
      "bls-withdrawal-credentials": {type: "boolean", default: false},
      amount: {type: "string"},
      "out-dir": {type: "string"},
      "keystore-password-file": {type: "string"},
      "mnemonic-file": {type: "string"},
      kdf: {type: "string"},
      help: {type: "boolean", short: "h", default: false},
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    console.log(HELP);
    return null;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0].slice(0, 12)}…" (mnemonics and passwords are never taken from the command line: use a prompt, stdin or a file)`,
    );
  }
  if (sub === "new" && values["mnemonic-file"] !== undefined) {
    throw new UsageError("--mnemonic-file is for `ceibo keys recover` (`new` makes a new mnemonic)");
  }
  const network = resolveNetwork(km, values.network, values["config-file"]);
  const count = uint("count", values.count);
  if (count < 1 || count > 100_000) throw new UsageError("--count must be between 1 and 100000");
  const startIndex = uint("start-index", values["start-index"], 0);
  if (startIndex + count > 2 ** 32) throw new UsageError("--start-index + --count must stay below 2^32");
  let withdrawal: KeyOptions["withdrawal"];
  const address = values["withdrawal-address"];
  if (address !== undefined) {
    if (values["bls-withdrawal-credentials"]) {
      throw new UsageError("give either --withdrawal-address or --bls-withdrawal-credentials, not both");
    }
    try {
      withdrawal = {kind: values.compounding ? "compounding" : "eth1", address: km.parseExecutionAddress(address)};
    } catch (e) {
      throw new UsageError(`--withdrawal-address: ${(e as Error).message}`);
    }
  } else if (values["bls-withdrawal-credentials"]) {
    if (values.compounding)
      throw new UsageError("--compounding needs --withdrawal-address (0x02 credentials pay to an address)");
    withdrawal = {kind: "bls"};
  } else {
    throw new UsageError(
      "--withdrawal-address 0x… is required (or --bls-withdrawal-credentials for 0x00 credentials, not recommended)",
    );
  }
  let amountGwei: number;
  try {
    amountGwei = km.parseDepositAmountEth(values.amount ?? "32", withdrawal.kind);
  } catch (e) {
    throw new UsageError(`--amount: ${(e as Error).message}`);
  }
  if (values["out-dir"] === undefined) throw new UsageError("--out-dir DIR is required");
  const outDir = resolve(values["out-dir"]);
  const st = statSync(outDir, {throwIfNoEntry: false});
  if (st !== undefined && !st.isDirectory()) throw new UsageError(`--out-dir ${outDir} exists and is not a directory`);
  const kdf = values.kdf ?? "scrypt";
  if (kdf !== "scrypt" && kdf !== "pbkdf2") throw new UsageError(`--kdf must be scrypt or pbkdf2, got "${kdf}"`);
  return {
    network,
    count,
    startIndex,
    withdrawal,
    amountGwei,
    outDir,
    passwordFile: values["keystore-password-file"],
    kdf,
    mnemonicFile: values["mnemonic-file"],
  };
}

/** Distinct random word positions (1-based), in ascending order. */
function pickPositions(words: number, n: number): number[] {
  const all = Array.from({length: words}, (_, i) => i + 1);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, n).sort((a, b) => a - b);
}

function normalizeWord(w: string): string {
  return w.normalize("NFKD").trim().toLowerCase();
}

async function writeKeys(km: Keygen, opts: KeyOptions, mnemonic: string, password: string): Promise<number> {
  if (opts.withdrawal.kind === "bls") {
    process.stderr.write(
      "warning: 0x00 BLS withdrawal credentials: nothing can be withdrawn until they are changed to an execution address with a BLSToExecutionChange signed by the withdrawal key (keep the mnemonic)\n",
    );
  }
  const t0 = performance.now();
  const result = await km.generateValidatorKeys({
    mnemonic,
    startIndex: opts.startIndex,
    count: opts.count,
    password,
    kdf: opts.kdf,
    withdrawal: opts.withdrawal,
    amountGwei: opts.amountGwei,
    network: opts.network,
    outDir: opts.outDir,
    onProgress: encryptionProgress(),
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `Wrote ${result.keystoreFiles.length} keystore(s) (${opts.kdf}) and ${result.depositDataFile} for ${opts.network.name} in ${seconds} s:`,
  );
  for (const [k, file] of result.keystoreFiles.entries()) {
    console.log(`  validator ${opts.startIndex + k}  ${result.pubkeys[k]}  ${file}`);
  }
  return 0;
}

async function keysNew(argv: string[]): Promise<number> {
  const km = await import("@ceibo/keymanager");
  const opts = parseKeyOptions(km, argv, "new");
  if (opts === null) return 0;
  const prompter = createPrompter();
  try {
    const password = await readPassword(km, opts.passwordFile, prompter);
    const mnemonic = km.generateMnemonic();
    const words = mnemonic.split(" ");
    process.stdout.write(
      "\nThis is your mnemonic (seed phrase). Write it down and keep it safe and offline: it is the ONLY way to\n" +
        "recover your validator keys. It is shown once and never written to any file.\n\n" +
        `  ${mnemonic}\n\n`,
    );
    if (prompter.interactive) {
      await prompter.ask("Press Enter once you have written it down.");
      process.stderr.write("\x1b[2J\x1b[3J\x1b[H"); // clear the screen (and scrollback) before the check
      process.stdout.write("\x1b[2J\x1b[3J\x1b[H");
    }
    for (const pos of pickPositions(words.length, CONFIRM_WORDS)) {
      const answer = await prompter.ask(`Confirm your mnemonic: word #${pos} of ${words.length}?`);
      if (normalizeWord(answer) !== normalizeWord(words[pos - 1])) {
        throw new UsageError(
          `word #${pos} does not match the mnemonic: not confirmed, nothing was written (run \`ceibo keys new\` again for a new mnemonic)`,
        );
      }
    }
    prompter.close();
    return await writeKeys(km, opts, mnemonic, password);
  } finally {
    prompter.close();
  }
}

async function keysRecover(argv: string[]): Promise<number> {
  const km = await import("@ceibo/keymanager");
  const opts = parseKeyOptions(km, argv, "recover");
  if (opts === null) return 0;
  const prompter = createPrompter();
  try {
    let mnemonic: string;
    if (opts.mnemonicFile !== undefined) {
      try {
        mnemonic = readFileSync(opts.mnemonicFile, "utf8");
      } catch (e) {
        throw new UsageError(`cannot read --mnemonic-file ${opts.mnemonicFile}: ${(e as Error).message}`);
      }
    } else {
      mnemonic = await prompter.ask("Your mnemonic (12 to 24 words, separated by spaces):");
    }
    mnemonic = mnemonic.normalize("NFKD").trim().split(/\s+/u).join(" ");
    try {
      km.mnemonicToEntropy(mnemonic);
    } catch (e) {
      const from = opts.mnemonicFile !== undefined ? ` in ${opts.mnemonicFile}` : "";
      throw new UsageError(`the mnemonic${from} is not valid: ${(e as Error).message}`);
    }
    const password = await readPassword(km, opts.passwordFile, prompter);
    prompter.close();
    return await writeKeys(km, opts, mnemonic, password);
  } finally {
    prompter.close();
  }
}

async function validateDeposit(argv: string[]): Promise<number> {
  const {values, positionals} = parseArgs({
    args: argv,
    options: {
      network: {type: "string"},
      "config-file": {type: "string"},
      help: {type: "boolean", short: "h", default: false},
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("give exactly one deposit data FILE");
  const km = await import("@ceibo/keymanager");
  const network = resolveNetwork(km, values.network, values["config-file"]);
  const file = positionals[0];
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    console.error(`${file}: cannot read: ${(e as Error).message}`);
    return 1;
  }
  const check = km.checkDepositData(text, file, network);
  for (const p of check.problems) console.error(p);
  if (check.problems.length > 0) {
    console.error(`${file}: ${check.problems.length} problem(s) in ${check.count} deposit(s) for ${network.name}`);
    return 1;
  }
  const total = check.deposits.reduce((s, d) => s + d.amount, 0) / 1e9;
  console.log(`${file}: ${check.count} deposit(s) valid for ${network.name} (${total} ETH in total)`);
  return 0;
}

export const keysCommand: Command = {
  summary: "validator keys: new/recover from a mnemonic (keystores + deposit data), validate-deposit",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") {
      console.log(HELP);
      return sub === undefined ? 1 : 0;
    }
    if (sub === "new") return keysNew(rest);
    if (sub === "recover") return keysRecover(rest);
    if (sub === "validate-deposit") return validateDeposit(rest);
    throw new UsageError(`unknown subcommand "${sub}" (new, recover or validate-deposit; see ceibo keys --help)`);
  },
};
