import {runBlocks} from "./sanity.ts";

/** finality/finality (tests/formats/finality): the sanity/blocks format. */
export const runFinality = runBlocks;
