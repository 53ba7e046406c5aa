/**
 * Deposit data for the deposit contract and the staking launchpad (the `deposit_data-<time>.json` format of
 * staking-deposit-cli): withdrawal credentials, the signed DepositMessage and both roots.
 *
 * Spec (consensus-specs a08d8a6):
 * - phase0 beacon-chain.md#depositmessage, #depositdata, #compute_domain, #compute_signing_root: the deposit is
 *   signed under DOMAIN_DEPOSIT with compute_domain(DOMAIN_DEPOSIT, GENESIS_FORK_VERSION, zero root), so it is
 *   valid in every fork ("Deposits are valid across forks, thus the deposit domain is retrieved directly from
 *   `compute_domain`", phase0 #deposits).
 * - phase0 validator.md#withdrawal-credentials: BLS_WITHDRAWAL_PREFIX 0x00 ‖ hash(withdrawal_pubkey)[1:];
 *   ETH1_ADDRESS_WITHDRAWAL_PREFIX 0x01 ‖ 0x00*11 ‖ address; electra COMPOUNDING_WITHDRAWAL_PREFIX 0x02 likewise.
 */
import {createHash} from "node:crypto";
import {computeDomain, computeSigningRoot} from "@ceibo/config";
import {
  BLS_WITHDRAWAL_PREFIX,
  COMPOUNDING_WITHDRAWAL_PREFIX,
  DOMAIN_DEPOSIT,
  ETH1_ADDRESS_WITHDRAWAL_PREFIX,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {toHexUnprefixed} from "@ceibo/utils";
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";

/** The staking-deposit-cli format version written in `deposit_cli_version` (the launchpad checks it is set). */
export const DEPOSIT_CLI_VERSION = "2.8.0";

export const GWEI_PER_ETH = 1_000_000_000;
/** Smallest deposit the launchpad accepts (1 ETH) and the per-credential maximums (MAX_EFFECTIVE_BALANCE, electra
 * MAX_EFFECTIVE_BALANCE_ELECTRA for compounding 0x02 credentials). */
export const MIN_DEPOSIT_GWEI = 1 * GWEI_PER_ETH;
export const MAX_DEPOSIT_GWEI = 32 * GWEI_PER_ETH;
export const MAX_COMPOUNDING_DEPOSIT_GWEI = 2048 * GWEI_PER_ETH;

/** 0x00 BLS, 0x01 execution address, 0x02 compounding execution address. */
export type WithdrawalKind = "bls" | "eth1" | "compounding";

/** One entry of a launchpad deposit_data-*.json file; hex without 0x, amount in Gwei. */
export interface DepositDataEntry {
  pubkey: string;
  withdrawal_credentials: string;
  amount: number;
  signature: string;
  deposit_message_root: string;
  deposit_data_root: string;
  fork_version: string;
  network_name: string;
  deposit_cli_version: string;
}

export const DEPOSIT_DATA_FIELDS: readonly (keyof DepositDataEntry)[] = [
  "pubkey",
  "withdrawal_credentials",
  "amount",
  "signature",
  "deposit_message_root",
  "deposit_data_root",
  "fork_version",
  "network_name",
  "deposit_cli_version",
];

/** The network a deposit is signed for. */
export interface DepositNetwork {
  /** network_name in the file (mainnet, hoodi, sepolia, dev, or a config's CONFIG_NAME). */
  name: string;
  /** GENESIS_FORK_VERSION, 4 bytes. */
  genesisForkVersion: Uint8Array;
}

/** A 0x-prefixed 20-byte execution address; throws naming the problem. */
export function parseExecutionAddress(text: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new Error(`withdrawal address "${text}" is not a 0x-prefixed 20-byte hex address (0x + 40 hex digits)`);
  }
  return new Uint8Array(Buffer.from(text.slice(2), "hex"));
}

/** phase0 validator.md#withdrawal-credentials (and electra's 0x02): the 32-byte withdrawal credentials. */
export function withdrawalCredentials(
  kind: WithdrawalKind,
  opts: {withdrawalPubkey?: Uint8Array; address?: Uint8Array},
): Uint8Array {
  const out = new Uint8Array(32);
  if (kind === "bls") {
    if (opts.withdrawalPubkey?.length !== 48)
      throw new Error("BLS withdrawal credentials need the 48-byte withdrawal pubkey");
    out.set(createHash("sha256").update(opts.withdrawalPubkey).digest().subarray(1), 1);
    out[0] = BLS_WITHDRAWAL_PREFIX;
    return out;
  }
  if (opts.address?.length !== 20) throw new Error("execution withdrawal credentials need a 20-byte address");
  out[0] = kind === "eth1" ? ETH1_ADDRESS_WITHDRAWAL_PREFIX : COMPOUNDING_WITHDRAWAL_PREFIX;
  out.set(opts.address, 12);
  return out;
}

/** The largest deposit for credentials of this kind, in Gwei. */
export function maxDepositGwei(kind: WithdrawalKind): number {
  return kind === "compounding" ? MAX_COMPOUNDING_DEPOSIT_GWEI : MAX_DEPOSIT_GWEI;
}

/**
 * A deposit amount given in ETH ("32", "1.5", "2048") → Gwei, checked against the credential kind's range:
 * 1..32 ETH for 0x00/0x01, 1..2048 ETH for 0x02. Throws one line naming the problem.
 */
export function parseDepositAmountEth(text: string, kind: WithdrawalKind): number {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (m === null) throw new Error(`amount "${text}" is not a number of ETH (e.g. 32 or 1.5; at most 9 decimals)`);
  const gwei = Number(m[1]) * GWEI_PER_ETH + Number((m[2] ?? "").padEnd(9, "0"));
  const max = maxDepositGwei(kind);
  if (!Number.isSafeInteger(gwei) || gwei < MIN_DEPOSIT_GWEI || gwei > max) {
    const kindText = kind === "compounding" ? "compounding (0x02)" : kind === "eth1" ? "0x01" : "0x00 (BLS)";
    throw new Error(`amount ${text} ETH is out of range: ${kindText} credentials take 1 to ${max / GWEI_PER_ETH} ETH`);
  }
  return gwei;
}

/** compute_domain(DOMAIN_DEPOSIT, genesis_fork_version, zero genesis_validators_root). */
export function depositDomain(genesisForkVersion: Uint8Array): Uint8Array {
  return computeDomain(DOMAIN_DEPOSIT, genesisForkVersion, new Uint8Array(32));
}

export interface SignedDeposit {
  pubkey: Uint8Array;
  withdrawalCredentials: Uint8Array;
  amount: number;
  signature: Uint8Array;
  depositMessageRoot: Uint8Array;
  depositDataRoot: Uint8Array;
}

/** Sign a DepositMessage with the validator's signing key (the deposit's proof of possession). */
export function signDeposit(
  secretKey: Uint8Array,
  credentials: Uint8Array,
  amountGwei: number,
  network: DepositNetwork,
): SignedDeposit {
  const sk = SecretKey.fromBytes(secretKey);
  const pubkey = sk.toPublicKey().toBytes(true);
  const message = {pubkey, withdrawalCredentials: credentials, amount: amountGwei};
  const signingRoot = computeSigningRoot(ssz.phase0.DepositMessage, message, depositDomain(network.genesisForkVersion));
  const signature = sk.sign(signingRoot).toBytes(true);
  return {
    ...message,
    signature,
    depositMessageRoot: ssz.phase0.DepositMessage.hashTreeRoot(message),
    depositDataRoot: ssz.phase0.DepositData.hashTreeRoot({...message, signature}),
  };
}

/** The launchpad JSON entry of a signed deposit. */
export function depositDataEntry(d: SignedDeposit, network: DepositNetwork): DepositDataEntry {
  return {
    pubkey: toHexUnprefixed(d.pubkey),
    withdrawal_credentials: toHexUnprefixed(d.withdrawalCredentials),
    amount: d.amount,
    signature: toHexUnprefixed(d.signature),
    deposit_message_root: toHexUnprefixed(d.depositMessageRoot),
    deposit_data_root: toHexUnprefixed(d.depositDataRoot),
    fork_version: toHexUnprefixed(network.genesisForkVersion),
    network_name: network.name,
    deposit_cli_version: DEPOSIT_CLI_VERSION,
  };
}

const HEX_LENGTHS: Partial<Record<keyof DepositDataEntry, number>> = {
  pubkey: 48,
  withdrawal_credentials: 32,
  signature: 96,
  deposit_message_root: 32,
  deposit_data_root: 32,
  fork_version: 4,
};

function hexField(value: unknown, bytes: number): Uint8Array | string {
  if (typeof value !== "string") return `must be a hex string, got ${value === null ? "null" : typeof value}`;
  const h = value.startsWith("0x") ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]*$/.test(h)) return "is not hex";
  if (h.length !== bytes * 2) return `must be ${bytes} bytes (${bytes * 2} hex digits), got ${h.length} hex digits`;
  return new Uint8Array(Buffer.from(h, "hex"));
}

/** A deposit from a validated file entry: bytes and Gwei. */
export interface ParsedDeposit {
  pubkey: Uint8Array;
  withdrawalCredentials: Uint8Array;
  amount: number;
  signature: Uint8Array;
}

export interface DepositFileCheck {
  /** One line per problem, each naming the file, the entry (index and pubkey) and the field. Empty: valid. */
  problems: string[];
  /** The entries that passed every check, in file order. */
  deposits: ParsedDeposit[];
  /** Entries in the file (0 when it is not a JSON array). */
  count: number;
}

/**
 * The launchpad's checks of a deposit_data file, against a network: a non-empty JSON array; every required field
 * present with the right type; hex lengths; withdrawal credentials' prefix (0x00/0x01/0x02, zero padding);
 * amount (1 ETH minimum, 32 ETH maximum, 2048 ETH for 0x02); fork_version and network_name of that network;
 * deposit_message_root and deposit_data_root recomputed; the BLS signature verified under DOMAIN_DEPOSIT with
 * the network's genesis fork version; no pubkey twice.
 */
export function checkDepositData(text: string, file: string, network: DepositNetwork): DepositFileCheck {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {problems: [`${file}: not valid JSON: ${(e as Error).message}`], deposits: [], count: 0};
  }
  if (!Array.isArray(json)) {
    return {
      problems: [`${file}: must be a JSON array of deposits, got ${json === null ? "null" : typeof json}`],
      deposits: [],
      count: 0,
    };
  }
  if (json.length === 0) return {problems: [`${file}: holds no deposits (an empty array)`], deposits: [], count: 0};
  const problems: string[] = [];
  const deposits: ParsedDeposit[] = [];
  const seen = new Map<string, number>();
  const domain = depositDomain(network.genesisForkVersion);
  const forkHex = toHexUnprefixed(network.genesisForkVersion);
  json.forEach((entry: unknown, i: number) => {
    const where = (field?: string, pubkey?: string): string =>
      `${file}: deposit #${i}${pubkey ? ` (pubkey 0x${pubkey.slice(0, 12)}…)` : ""}${field ? `: ${field}` : ""}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`${where()} is not a JSON object`);
      return;
    }
    const e = entry as Record<string, unknown>;
    const pkLabel = typeof e.pubkey === "string" ? e.pubkey.replace(/^0x/, "") : undefined;
    const before = problems.length;
    const say = (field: string, what: string): void => {
      problems.push(`${where(field, pkLabel)} ${what}`);
    };
    for (const f of DEPOSIT_DATA_FIELDS) if (!(f in e)) say(f, "is missing");
    const bytes: Partial<Record<keyof DepositDataEntry, Uint8Array>> = {};
    for (const [f, len] of Object.entries(HEX_LENGTHS) as [keyof DepositDataEntry, number][]) {
      if (!(f in e)) continue;
      const r = hexField(e[f], len);
      if (typeof r === "string") say(f, r);
      else bytes[f] = r;
    }
    let amount: number | undefined;
    if ("amount" in e) {
      if (typeof e.amount !== "number" || !Number.isSafeInteger(e.amount) || e.amount < 0) {
        say("amount", `must be a whole number of Gwei, got ${JSON.stringify(e.amount)}`);
      } else amount = e.amount;
    }
    for (const f of ["network_name", "deposit_cli_version"] as const) {
      if (f in e && (typeof e[f] !== "string" || e[f] === "")) say(f, "must be a non-empty string");
    }
    const wc = bytes.withdrawal_credentials;
    let kind: WithdrawalKind | undefined;
    if (wc !== undefined) {
      if (wc[0] === BLS_WITHDRAWAL_PREFIX) kind = "bls";
      else if (wc[0] === ETH1_ADDRESS_WITHDRAWAL_PREFIX || wc[0] === COMPOUNDING_WITHDRAWAL_PREFIX) {
        kind = wc[0] === ETH1_ADDRESS_WITHDRAWAL_PREFIX ? "eth1" : "compounding";
        if (wc.subarray(1, 12).some((b) => b !== 0))
          say("withdrawal_credentials", "bytes 1..11 after the 0x01/0x02 prefix must be zero");
      } else
        say(
          "withdrawal_credentials",
          `has unknown prefix 0x${wc[0].toString(16).padStart(2, "0")} (expected 0x00, 0x01 or 0x02)`,
        );
    }
    if (amount !== undefined) {
      const max = maxDepositGwei(kind ?? "eth1");
      if (amount < MIN_DEPOSIT_GWEI)
        say("amount", `${amount} Gwei is below the 1 ETH minimum (${MIN_DEPOSIT_GWEI} Gwei)`);
      else if (amount > max) {
        say(
          "amount",
          `${amount} Gwei is above the ${max / GWEI_PER_ETH} ETH maximum for ${kind === "compounding" ? "0x02" : "0x00/0x01"} credentials`,
        );
      }
    }
    if (bytes.fork_version !== undefined && toHexUnprefixed(bytes.fork_version) !== forkHex) {
      say(
        "fork_version",
        `0x${toHexUnprefixed(bytes.fork_version)} is not ${network.name}'s genesis fork version 0x${forkHex} (a deposit for another network?)`,
      );
    }
    if (typeof e.network_name === "string" && e.network_name !== "" && e.network_name !== network.name) {
      say("network_name", `"${e.network_name}" is not "${network.name}"`);
    }
    if (bytes.pubkey !== undefined) {
      const key = toHexUnprefixed(bytes.pubkey);
      const first = seen.get(key);
      if (first !== undefined) say("pubkey", `is the same as deposit #${first}'s (the launchpad refuses duplicates)`);
      else seen.set(key, i);
    }
    const {pubkey, withdrawal_credentials: credentials, signature} = bytes;
    if (pubkey !== undefined && credentials !== undefined && amount !== undefined) {
      const message = {pubkey, withdrawalCredentials: credentials, amount};
      const messageRoot = ssz.phase0.DepositMessage.hashTreeRoot(message);
      if (
        bytes.deposit_message_root !== undefined &&
        toHexUnprefixed(bytes.deposit_message_root) !== toHexUnprefixed(messageRoot)
      ) {
        say("deposit_message_root", `does not match hash_tree_root(DepositMessage) 0x${toHexUnprefixed(messageRoot)}`);
      }
      if (signature !== undefined) {
        const dataRoot = ssz.phase0.DepositData.hashTreeRoot({...message, signature});
        if (
          bytes.deposit_data_root !== undefined &&
          toHexUnprefixed(bytes.deposit_data_root) !== toHexUnprefixed(dataRoot)
        ) {
          say("deposit_data_root", `does not match hash_tree_root(DepositData) 0x${toHexUnprefixed(dataRoot)}`);
        }
        let pk: PublicKey | undefined;
        try {
          pk = PublicKey.fromBytes(pubkey, true);
        } catch {
          say("pubkey", "is not a valid BLS12-381 public key");
        }
        let sig: Signature | undefined;
        try {
          sig = Signature.fromBytes(signature, true);
        } catch {
          say("signature", "is not a valid BLS12-381 signature");
        }
        if (pk !== undefined && sig !== undefined) {
          const signingRoot = computeSigningRoot(ssz.phase0.DepositMessage, message, domain);
          if (!verify(signingRoot, pk, sig)) {
            say(
              "signature",
              `does not verify under DOMAIN_DEPOSIT with ${network.name}'s genesis fork version 0x${forkHex}`,
            );
          }
        }
      }
    }
    if (problems.length === before && pubkey && credentials && signature && amount !== undefined) {
      deposits.push({pubkey, withdrawalCredentials: credentials, amount, signature});
    }
  });
  return {problems, deposits, count: json.length};
}
