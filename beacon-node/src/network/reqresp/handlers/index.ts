/**
 * The handler of every req/resp method, keyed by the protocol table's method names (../types.ts). `HANDLERS` is
 * typed `HandlerTable`: a method added to the table without a handler here is a compile error
 * (test/network-reqresp-exhaustive.test.ts proves it on a scratch copy).
 */
import type {HandlerTable} from "../types.ts";
import {beaconBlocksByHead} from "./beaconBlocksByHead.ts";
import {beaconBlocksByRange} from "./beaconBlocksByRange.ts";
import {beaconBlocksByRoot} from "./beaconBlocksByRoot.ts";
import {blobSidecarsByRange} from "./blobSidecarsByRange.ts";
import {blobSidecarsByRoot} from "./blobSidecarsByRoot.ts";
import {dataColumnSidecarsByRange} from "./dataColumnSidecarsByRange.ts";
import {dataColumnSidecarsByRoot} from "./dataColumnSidecarsByRoot.ts";
import {goodbye} from "./goodbye.ts";
import {lightClientBootstrap} from "./lightClientBootstrap.ts";
import {lightClientFinalityUpdate} from "./lightClientFinalityUpdate.ts";
import {lightClientOptimisticUpdate} from "./lightClientOptimisticUpdate.ts";
import {lightClientUpdatesByRange} from "./lightClientUpdatesByRange.ts";
import {metadata} from "./metadata.ts";
import {ping} from "./ping.ts";
import {status} from "./status.ts";

export const HANDLERS: HandlerTable = {
  status,
  goodbye,
  ping,
  metadata,
  beacon_blocks_by_range: beaconBlocksByRange,
  beacon_blocks_by_root: beaconBlocksByRoot,
  blob_sidecars_by_range: blobSidecarsByRange,
  blob_sidecars_by_root: blobSidecarsByRoot,
  data_column_sidecars_by_range: dataColumnSidecarsByRange,
  data_column_sidecars_by_root: dataColumnSidecarsByRoot,
  beacon_blocks_by_head: beaconBlocksByHead,
  light_client_bootstrap: lightClientBootstrap,
  light_client_updates_by_range: lightClientUpdatesByRange,
  light_client_finality_update: lightClientFinalityUpdate,
  light_client_optimistic_update: lightClientOptimisticUpdate,
};
