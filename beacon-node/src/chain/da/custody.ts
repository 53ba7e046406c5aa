/**
 * PeerDAS custody (fulu/das-core.md "Custody", "Custody sampling"; fulu/validator.md "Validator custody";
 * fulu/p2p-interface.md compute_subnet_for_data_column_sidecar).
 */
import {createHash} from "node:crypto";
import type {ChainConfig} from "@ceibo/config";
import {NUMBER_OF_COLUMNS} from "@ceibo/params";
import type {CachedBeaconState} from "@ceibo/state-transition";
import {toHexUnprefixed} from "@ceibo/utils";

/** das-core.md UINT256_MAX. */
const UINT256_MAX = (1n << 256n) - 1n;

/** A discv5 node id (32 bytes, big-endian as the ENR / discv5 derive it) as the spec's NodeID (uint256). */
export function nodeIdToBigInt(nodeId: Uint8Array | string | bigint): bigint {
  if (typeof nodeId === "bigint") {
    if (nodeId < 0n || nodeId > UINT256_MAX) throw Error("a node id is a uint256");
    return nodeId;
  }
  const hex = typeof nodeId === "string" ? nodeId.replace(/^0x/, "") : toHexUnprefixed(nodeId);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw Error("a node id is 32 bytes");
  return BigInt(`0x${hex}`);
}

/** uint_to_bytes of a Uint256: 32 bytes little-endian. */
function uint256ToBytesLE(value: bigint): Buffer {
  const out = Buffer.alloc(32);
  let v = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * das-core.md get_custody_groups(node_id, custody_group_count): the custody groups of a node, ascending.
 * Increasing the count extends the set (a prefix-stable selection).
 */
export function getCustodyGroups(
  config: ChainConfig,
  nodeId: Uint8Array | string | bigint,
  custodyGroupCount: number,
): number[] {
  const groupCount = config.NUMBER_OF_CUSTODY_GROUPS;
  if (!Number.isSafeInteger(custodyGroupCount) || custodyGroupCount < 0 || custodyGroupCount > groupCount) {
    throw Error(`custody group count ${custodyGroupCount} is not within [0, ${groupCount}]`);
  }
  if (custodyGroupCount === groupCount) return Array.from({length: groupCount}, (_, i) => i);

  let currentId = nodeIdToBigInt(nodeId);
  const groups = new Set<number>();
  while (groups.size < custodyGroupCount) {
    const hash = createHash("sha256").update(uint256ToBytesLE(currentId)).digest();
    const group = Number(hash.readBigUInt64LE(0) % BigInt(groupCount));
    groups.add(group);
    // overflow prevention
    currentId = currentId === UINT256_MAX ? 0n : currentId + 1n;
  }
  return [...groups].sort((a, b) => a - b);
}

/** das-core.md compute_columns_for_custody_group. */
export function computeColumnsForCustodyGroup(config: ChainConfig, custodyGroup: number): number[] {
  const groupCount = config.NUMBER_OF_CUSTODY_GROUPS;
  if (!Number.isSafeInteger(custodyGroup) || custodyGroup < 0 || custodyGroup >= groupCount) {
    throw Error(`custody group ${custodyGroup} is not below ${groupCount}`);
  }
  const columnsPerGroup = Math.floor(NUMBER_OF_COLUMNS / groupCount);
  return Array.from({length: columnsPerGroup}, (_, i) => groupCount * i + custodyGroup);
}

/** The columns of a set of custody groups, ascending. */
export function columnsOfCustodyGroups(config: ChainConfig, groups: number[]): number[] {
  return groups.flatMap((g) => computeColumnsForCustodyGroup(config, g)).sort((a, b) => a - b);
}

/** The columns a node with `custodyGroupCount` custodies (stores and serves), ascending. */
export function getCustodyColumns(
  config: ChainConfig,
  nodeId: Uint8Array | string | bigint,
  custodyGroupCount: number,
): number[] {
  return columnsOfCustodyGroups(config, getCustodyGroups(config, nodeId, custodyGroupCount));
}

/** das-core.md custody sampling: sampling_size = max(SAMPLES_PER_SLOT, custody_group_count). */
export function getSamplingSize(config: ChainConfig, custodyGroupCount: number): number {
  return Math.min(config.NUMBER_OF_CUSTODY_GROUPS, Math.max(config.SAMPLES_PER_SLOT, custodyGroupCount));
}

/**
 * The columns a node samples at each slot (a superset of its custody columns): the columns of
 * get_custody_groups(node_id, sampling_size). Sampling succeeds when all of them are retrieved.
 */
export function getSamplingColumns(
  config: ChainConfig,
  nodeId: Uint8Array | string | bigint,
  custodyGroupCount: number,
): number[] {
  return getCustodyColumns(config, nodeId, getSamplingSize(config, custodyGroupCount));
}

/** fulu/p2p-interface.md compute_subnet_for_data_column_sidecar. */
export function computeSubnetForDataColumnSidecar(config: ChainConfig, columnIndex: number): number {
  return columnIndex % config.DATA_COLUMN_SIDECAR_SUBNET_COUNT;
}

/** The data_column_sidecar_{subnet_id} subnets that carry some of `columns`, ascending. */
export function dataColumnSubnetsOf(config: ChainConfig, columns: number[]): number[] {
  return [...new Set(columns.map((c) => computeSubnetForDataColumnSidecar(config, c)))].sort((a, b) => a - b);
}

/**
 * fulu/validator.md get_validators_custody_requirement(state, validator_indices): the custody groups a node with
 * these validators attached must custody (state: the latest finalized state). Unknown indices count nothing.
 */
export function getValidatorsCustodyRequirement(
  config: ChainConfig,
  state: CachedBeaconState,
  validatorIndices: number[],
): number {
  let totalNodeBalance = 0;
  const validators = state.state.validators;
  for (const index of validatorIndices) {
    if (index < 0 || index >= validators.length) continue;
    totalNodeBalance += validators.getReadonly(index).effectiveBalance;
  }
  const count = Math.floor(totalNodeBalance / config.BALANCE_PER_ADDITIONAL_CUSTODY_GROUP);
  return Math.min(Math.max(count, config.VALIDATOR_CUSTODY_REQUIREMENT), config.NUMBER_OF_CUSTODY_GROUPS);
}

/**
 * A node's custody: its custody group count (CUSTODY_REQUIREMENT, raised by validator custody or a supernode
 * setting; never lowered, as fulu/validator.md asks), and the custody / sampling columns and subnets that follow.
 * The count must be persisted by the owner (`custodyGroupCount`) and given back on restart.
 */
export class NodeCustody {
  readonly config: ChainConfig;
  readonly nodeId: bigint;
  private count: number;
  private custody: number[] = [];
  private sampling: number[] = [];

  constructor(config: ChainConfig, nodeId: Uint8Array | string | bigint, custodyGroupCount?: number) {
    this.config = config;
    this.nodeId = nodeIdToBigInt(nodeId);
    this.count = Math.max(config.CUSTODY_REQUIREMENT, custodyGroupCount ?? 0);
    this.recompute();
  }

  /** The advertised custody group count (ENR `cgc`, MetaData v3 custody_group_count). */
  get custodyGroupCount(): number {
    return this.count;
  }

  /** Columns to custody (store, serve), ascending. */
  get custodyColumns(): readonly number[] {
    return this.custody;
  }

  /** Columns to sample per slot (subscribe to, require for availability), ascending. */
  get samplingColumns(): readonly number[] {
    return this.sampling;
  }

  /** The data column subnets to subscribe to (those of the sampling columns). */
  get samplingSubnets(): number[] {
    return dataColumnSubnetsOf(this.config, this.sampling);
  }

  /**
   * Raises the custody group count to `required` (e.g. getValidatorsCustodyRequirement of the attached
   * validators, or NUMBER_OF_CUSTODY_GROUPS for a supernode). A lower value changes nothing. Returns whether the
   * count grew (then re-advertise: ENR cgc, metadata seq_number + 1, earliest_available_slot).
   */
  raiseCustodyGroupCount(required: number): boolean {
    const target = Math.min(required, this.config.NUMBER_OF_CUSTODY_GROUPS);
    if (target <= this.count) return false;
    this.count = target;
    this.recompute();
    return true;
  }

  private recompute(): void {
    this.custody = getCustodyColumns(this.config, this.nodeId, this.count);
    this.sampling = getSamplingColumns(this.config, this.nodeId, this.count);
  }
}
