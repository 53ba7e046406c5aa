/**
 * An INDEPENDENT check of a launchpad deposit_data file: the SSZ containers are defined here (phase0
 * DepositMessage, DepositData, ForkData, SigningData), roots recomputed, signatures verified with blst
 * against DOMAIN_DEPOSIT + the given GENESIS_FORK_VERSION (compute_domain with a zero genesis_validators_root).
 */
import {fromHex, toHexUnprefixed} from "@ceibo/utils";
import {PublicKey, Signature, verify} from "@chainsafe/blst";
import {ByteVectorType, ContainerType, UintNumberType} from "@chainsafe/ssz";

const Bytes4 = new ByteVectorType(4);
const Bytes32 = new ByteVectorType(32);
const Bytes48 = new ByteVectorType(48);
const Bytes96 = new ByteVectorType(96);
const Gwei = new UintNumberType(8);

const DepositMessage = new ContainerType({pubkey: Bytes48, withdrawal_credentials: Bytes32, amount: Gwei});
const DepositData = new ContainerType({
  pubkey: Bytes48,
  withdrawal_credentials: Bytes32,
  amount: Gwei,
  signature: Bytes96,
});
const ForkData = new ContainerType({current_version: Bytes4, genesis_validators_root: Bytes32});
const SigningData = new ContainerType({object_root: Bytes32, domain: Bytes32});
const DOMAIN_DEPOSIT = Uint8Array.from([3, 0, 0, 0]);

export interface DepositEntry {
  pubkey: string;
  withdrawal_credentials: string;
  amount: number;
  signature: string;
  deposit_message_root: string;
  deposit_data_root: string;
  fork_version: string;
}

/** Returns the problems found (empty = valid). */
export function checkDeposits(entries: DepositEntry[], forkVersionHex: string): string[] {
  const problems: string[] = [];
  const forkVersion = fromHex(forkVersionHex, "deposit data hex", {prefixOptional: true});
  const forkDataRoot = ForkData.hashTreeRoot({
    current_version: forkVersion,
    genesis_validators_root: new Uint8Array(32),
  });
  const domain = new Uint8Array(32);
  domain.set(DOMAIN_DEPOSIT, 0);
  domain.set(forkDataRoot.subarray(0, 28), 4);
  entries.forEach((d, i) => {
    const msg = {
      pubkey: fromHex(d.pubkey, "deposit data hex", {prefixOptional: true}),
      withdrawal_credentials: fromHex(d.withdrawal_credentials, "deposit data hex", {prefixOptional: true}),
      amount: Number(d.amount),
    };
    const messageRoot = DepositMessage.hashTreeRoot(msg);
    if (toHexUnprefixed(messageRoot) !== d.deposit_message_root.replace(/^0x/, ""))
      problems.push(`[${i}] deposit_message_root`);
    const dataRoot = DepositData.hashTreeRoot({
      ...msg,
      signature: fromHex(d.signature, "deposit data hex", {prefixOptional: true}),
    });
    if (toHexUnprefixed(dataRoot) !== d.deposit_data_root.replace(/^0x/, "")) problems.push(`[${i}] deposit_data_root`);
    if (d.fork_version.replace(/^0x/, "") !== forkVersionHex.replace(/^0x/, "")) problems.push(`[${i}] fork_version`);
    const signingRoot = SigningData.hashTreeRoot({object_root: messageRoot, domain});
    let ok = false;
    try {
      ok = verify(
        signingRoot,
        PublicKey.fromBytes(msg.pubkey, true),
        Signature.fromBytes(fromHex(d.signature, "deposit data hex", {prefixOptional: true}), true, true),
      );
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`[${i}] signature`);
  });
  return problems;
}
