// The fuzz target module Jazzer.js loads (it must be .js/.mjs): the harness named by CEIBO_FUZZ_TARGET, run
// through its expected-error filter. A throw here is a finding.
const {targetByName} = await import("./targets.ts");
const {isEngineError, FuzzFinding} = await import("./target.ts");

const target = targetByName(process.env.CEIBO_FUZZ_TARGET ?? "");
const fail = (e) => {
  if ((!isEngineError(e) || target.expectsSszRangeError === true) && target.isExpected(e)) return;
  throw e instanceof Error ? e : new FuzzFinding(target.name, String(e));
};

export function fuzz(data) {
  let result;
  try {
    result = target.run(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } catch (e) {
    fail(e);
    return;
  }
  if (result instanceof Promise) return result.catch(fail);
}
