import {ApiError, type BeaconApiBackend, type LightClientUpdate, withForkDigest} from "@ceibo/api";
import {computeEpochAtSlot} from "@ceibo/state-transition";
import type {ApiContext} from "./context.ts";

/**
 * The 4 light-client routes (apis/beacon/light_client/*.yaml) over the chain's light-client server
 * (chain/lightClient/server.ts). `version` is the fork of the data's attested (bootstrap: own) header slot, which
 * is also the Eth-Consensus-Version header and, for updates, the fork whose digest tags each SSZ chunk.
 */
export function lightClientHandlers(
  ctx: ApiContext,
): Pick<
  BeaconApiBackend,
  | "getLightClientBootstrap"
  | "getLightClientUpdatesByRange"
  | "getLightClientFinalityUpdate"
  | "getLightClientOptimisticUpdate"
> {
  const chain = ctx.chain;
  const server = chain.lightClient;
  return {
    async getLightClientBootstrap({blockRoot}) {
      const bootstrap = await server.getBootstrap(blockRoot);
      if (bootstrap === null) {
        throw ApiError.notFound(
          `no light-client bootstrap for block 0x${Buffer.from(blockRoot).toString("hex")} (unknown block or post-state not available)`,
        );
      }
      return {data: bootstrap.data, version: chain.forkNameAtSlot(bootstrap.data.header.beacon.slot)};
    },
    async getLightClientUpdatesByRange({startPeriod, count}) {
      const updates = await server.getUpdates(startPeriod, count);
      return updates.map((u) => {
        const slot = u.data.attestedHeader.beacon.slot;
        return withForkDigest(
          {version: chain.forkNameAtSlot(slot), data: u.data as LightClientUpdate},
          chain.beaconConfig.computeForkDigest(computeEpochAtSlot(slot)),
        );
      });
    },
    async getLightClientFinalityUpdate() {
      const update = server.getFinalityUpdate();
      if (update === null) throw ApiError.notFound("no light-client finality update available yet");
      return {data: update.data, version: chain.forkNameAtSlot(update.data.attestedHeader.beacon.slot)};
    },
    async getLightClientOptimisticUpdate() {
      const update = server.getOptimisticUpdate();
      if (update === null) throw ApiError.notFound("no light-client optimistic update available yet");
      return {data: update.data, version: chain.forkNameAtSlot(update.data.attestedHeader.beacon.slot)};
    },
  };
}
