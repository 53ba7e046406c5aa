import {runBlocks} from "./sanity.ts";

/** random/random (tests/formats/random): the sanity/blocks format. */
export const runRandom = runBlocks;
