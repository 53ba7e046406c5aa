/**
 * Which Engine API method version the consensus client calls at each fork (execution-apis paris/shanghai/cancun/
 * prague/osaka.md): the CL fork of the payload (or of the payload attributes' slot) picks the version.
 *
 * | CL fork   | newPayload | forkchoiceUpdated | getPayload | getBlobs |
 * | bellatrix | V1         | V1                | V1         | -        |
 * | capella   | V2         | V2                | V2         | -        |
 * | deneb     | V3         | V3                | V3         | V1       |
 * | electra   | V4         | V3                | V4         | V1       |
 * | fulu      | V4         | V3                | V5         | V2       |
 */
import {type ForkName, ForkSeq} from "@ceibo/params";

export interface EngineMethods {
  newPayload: string;
  forkchoiceUpdated: string;
  getPayload: string;
  getBlobs: string | null;
}

const BY_FORK: Record<"bellatrix" | "capella" | "deneb" | "electra" | "fulu", EngineMethods> = {
  bellatrix: {
    newPayload: "engine_newPayloadV1",
    forkchoiceUpdated: "engine_forkchoiceUpdatedV1",
    getPayload: "engine_getPayloadV1",
    getBlobs: null,
  },
  capella: {
    newPayload: "engine_newPayloadV2",
    forkchoiceUpdated: "engine_forkchoiceUpdatedV2",
    getPayload: "engine_getPayloadV2",
    getBlobs: null,
  },
  deneb: {
    newPayload: "engine_newPayloadV3",
    forkchoiceUpdated: "engine_forkchoiceUpdatedV3",
    getPayload: "engine_getPayloadV3",
    getBlobs: "engine_getBlobsV1",
  },
  electra: {
    newPayload: "engine_newPayloadV4",
    forkchoiceUpdated: "engine_forkchoiceUpdatedV3",
    getPayload: "engine_getPayloadV4",
    getBlobs: "engine_getBlobsV1",
  },
  fulu: {
    newPayload: "engine_newPayloadV4",
    forkchoiceUpdated: "engine_forkchoiceUpdatedV3",
    getPayload: "engine_getPayloadV5",
    getBlobs: "engine_getBlobsV2",
  },
};

/** The Engine API methods of a fork; null before bellatrix (no execution payload). */
export function engineMethodsForFork(fork: ForkName): EngineMethods | null {
  if (ForkSeq[fork] < ForkSeq.bellatrix) return null;
  return BY_FORK[fork as keyof typeof BY_FORK];
}

/** Every method this consensus client may call: what it announces in engine_exchangeCapabilities. */
export const CL_ENGINE_CAPABILITIES: readonly string[] = [
  ...new Set(
    Object.values(BY_FORK).flatMap((m) =>
      [m.newPayload, m.forkchoiceUpdated, m.getPayload, m.getBlobs].filter((x): x is string => x !== null),
    ),
  ),
].sort();

/** Per-method timeouts of the specs (ms): 8 s for newPayload / forkchoiceUpdated, 1 s for the rest. */
export function defaultTimeoutMs(method: string): number {
  return method.startsWith("engine_newPayload") || method.startsWith("engine_forkchoiceUpdated") ? 8000 : 1000;
}
