import {ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {SlotError} from "../errors.ts";
import type {BeaconStateAllForks} from "../types.ts";
import {upgradeToAltair} from "./upgradeAltair.ts";
import {upgradeToBellatrix} from "./upgradeBellatrix.ts";
import {upgradeToCapella} from "./upgradeCapella.ts";
import {upgradeToDeneb} from "./upgradeDeneb.ts";
import {upgradeToElectra} from "./upgradeElectra.ts";
import {upgradeToFulu} from "./upgradeFulu.ts";

export {translateParticipation, upgradeToAltair} from "./upgradeAltair.ts";
export {upgradeToBellatrix} from "./upgradeBellatrix.ts";
export {upgradeToCapella} from "./upgradeCapella.ts";
export {upgradeToDeneb} from "./upgradeDeneb.ts";
export {upgradeToElectra} from "./upgradeElectra.ts";
export {initializeProposerLookahead, upgradeToFulu} from "./upgradeFulu.ts";

/**
 * upgrade_to_<next fork> (altair … fulu fork.md): replaces `cs.state` with the next fork's state and increments
 * `cs.fork`. The epoch cache is left as it was (built for the pre state's epoch); the caller rebuilds it
 * (processSlots does so right after the upgrade).
 */
export function upgradeStateToNextFork(cs: CachedBeaconState): void {
  // the upgrades read whole lists (getAllReadonlyValues), which needs pending changes committed
  cs.state.commit();
  let post: BeaconStateAllForks;
  switch (cs.fork) {
    case ForkSeq.phase0:
      post = upgradeToAltair(cs);
      break;
    case ForkSeq.altair:
      post = upgradeToBellatrix(cs);
      break;
    case ForkSeq.bellatrix:
      post = upgradeToCapella(cs);
      break;
    case ForkSeq.capella:
      post = upgradeToDeneb(cs);
      break;
    case ForkSeq.deneb:
      post = upgradeToElectra(cs);
      break;
    case ForkSeq.electra:
      post = upgradeToFulu(cs);
      break;
    default:
      throw new SlotError({code: "NO_NEXT_FORK", fork: cs.fork}, `upgradeStateToNextFork: no fork after ${cs.fork}`);
  }
  // committed, so the epoch cache can be rebuilt from it right away
  post.commit();
  cs.state = post;
  cs.fork += 1;
}
