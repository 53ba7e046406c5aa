import type {TestCase} from "./util/testCase.ts";

/** Runs one case; throws (with a one-line reason first) when the case fails. */
export type CaseFn = (testCase: TestCase) => void | Promise<void>;
