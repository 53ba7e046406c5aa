export * from "./block/index.ts";
export * from "./cache/cachedBeaconState.ts";
export * from "./cache/epochCache.ts";
export * from "./cache/epochShuffling.ts";
export * from "./cache/pubkeyCache.ts";
export * from "./epoch/index.ts";
export * from "./errors.ts";
export * from "./genesis/fromDeposits.ts";
export * from "./genesis/initializeBeaconState.ts";
export * from "./genesis/interop.ts";
export * from "./lightClient/index.ts";
export * from "./mutators/deposit.ts";
export * from "./mutators/exit.ts";
export * from "./mutators/slash.ts";
export * from "./rewards/index.ts";
export * from "./signatureSets/index.ts";
export * from "./slot/processSlot.ts";
export * from "./slot/processSlots.ts";
export * from "./slot/upgrade.ts";
export * from "./stateTransition.ts";
export * from "./types.ts";
export * from "./util/aggregator.ts";
export * from "./util/balance.ts";
export * from "./util/churn.ts";
export * from "./util/domain.ts";
export * from "./util/epoch.ts";
export * from "./util/forkTypes.ts";
export * from "./util/kzg.ts";
export * from "./util/math.ts";
export * from "./util/merkle.ts";
export * from "./util/proposer.ts";
export * from "./util/seed.ts";
export {
  computeShuffledIndex,
  shuffleList,
  shuffleListInPlace,
  unshuffleList,
  unshuffleListInPlace,
} from "./util/shuffle.ts";
export * from "./util/shuffleNative.ts";
export * from "./util/sidecars.ts";
export * from "./util/stateRoot.ts";
export * from "./util/validator.ts";
