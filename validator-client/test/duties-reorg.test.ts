/**
 * DutiesService.onHead after a re-org of the block the next epoch's duties depend on: from fulu the next epoch's
 * proposer duties (fetched ahead) depend on the same block as its attester duties, so both are fetched again.
 * Before the fix only the attester duties were, and the client proposed the next epoch's first slots with the old
 * proposer (the node refused the RANDAO reveal; seen in `npm run soak`). A real Beacon API server (TestChain's
 * backend over a real interop state) whose duty routes answer per fork of the chain the test switches.
 */

import type {BeaconApiBackend} from "@ceibo/api";
import {createBeaconApiServer} from "@ceibo/api";
import {createDevChainConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {interopSecretKey} from "@ceibo/state-transition";
import {toHex} from "@ceibo/utils";
import {afterAll, describe, expect, it} from "vitest";
import {BeaconNodes} from "../src/beaconNodes.ts";
import {createLogger} from "../src/logger.ts";
import {DutiesService} from "../src/services/duties.ts";
import {IndexTracker} from "../src/services/indices.ts";
import type {Signer} from "../src/signer/index.ts";
import {TestChain} from "./utils/testChain.ts";

const config = createDevChainConfig();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe("duties after a re-org of the next epoch's dependent block", () => {
  it("fetches the next epoch's proposer duties again, not only its attester duties", async () => {
    const chain = new TestChain({config, validatorCount: 8, genesisTime: 1_700_000_000});
    const backend = chain.backend();
    const pubkeys = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => interopSecretKey(i).toPublicKey().toBytes());
    // two versions of the chain: the block at the end of epoch 1 differs, and with it who proposes epoch 3's first slot
    let fork: "a" | "b" = "a";
    const root = (f: string) => new Uint8Array(32).fill(f === "a" ? 0xaa : 0xbb);
    const epoch = 2;
    const proposerOf = () => (fork === "a" ? 3 : 5);
    const served: BeaconApiBackend = {
      ...backend,
      getAttesterDuties: async (args) => ({
        data: [],
        dependentRoot: args.epoch === epoch + 1 ? root(fork) : new Uint8Array(32).fill(0x11),
        executionOptimistic: false,
      }),
      getProposerDuties: async (args) => ({
        data:
          args.epoch === epoch + 1
            ? [{pubkey: pubkeys[proposerOf()], validatorIndex: proposerOf(), slot: (epoch + 1) * SLOTS_PER_EPOCH}]
            : [],
        dependentRoot: args.epoch === epoch + 1 ? root(fork) : new Uint8Array(32).fill(0x22),
        executionOptimistic: false,
      }),
    };
    const server = createBeaconApiServer(served, {logger: false});
    const url = await server.listen({host: "127.0.0.1", port: 0});
    cleanups.push(() => server.close());

    const log = createLogger({level: "error", write: () => {}});
    const nodes = new BeaconNodes([url], {log});
    const indices = new IndexTracker(pubkeys, {api: nodes.api, log});
    await indices.update();
    // no attester duties are served, so no selection proof is ever signed
    const duties = new DutiesService({api: nodes.api, signer: {} as Signer, indices, log});
    await duties.poll(epoch);
    const firstSlot = (epoch + 1) * SLOTS_PER_EPOCH;
    expect(duties.proposerDutiesAt(firstSlot).map((d) => d.validatorIndex)).toEqual([3]);

    // the re-org: the head event now names fork b's block as the next epoch's dependent root
    fork = "b";
    await duties.onHead(epoch, toHex(new Uint8Array(32).fill(0x11)), toHex(root("b")));
    expect(duties.proposerDutiesAt(firstSlot).map((d) => d.validatorIndex)).toEqual([5]);
  });
});
