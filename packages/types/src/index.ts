import "./hasher.ts";
import {ACTIVE_PRESET, ACTIVE_PRESET_NAME, type BeaconPreset, type ForkName, presetFor} from "@ceibo/params";
import {Type, type ValueOf} from "@chainsafe/ssz";
import {createAltairTypes} from "./altair.ts";
import {createBellatrixTypes} from "./bellatrix.ts";
import {createCapellaTypes} from "./capella.ts";
import {createDenebTypes} from "./deneb.ts";
import {createElectraTypes} from "./electra.ts";
import {createFuluTypes} from "./fulu.ts";
import {createPhase0Types} from "./phase0.ts";
import {createPrimitives, type Uint64Mode} from "./primitives.ts";

export type {Uint64Mode} from "./primitives.ts";
export {SlabValidator, type ValidatorValue} from "./validatorNodeStruct.ts";

/**
 * Builds the SSZ types of every fork for one preset. Each fork's namespace holds every type visible at that
 * fork: its own new or changed containers over the previous fork's namespace (so `ssz.fulu.Checkpoint` exists).
 */
export function createSszTypes(preset: BeaconPreset, uint64: Uint64Mode = "number") {
  const t = createPrimitives(uint64);
  const phase0 = createPhase0Types(preset, t);
  const altair = createAltairTypes(preset, t, phase0);
  const bellatrix = createBellatrixTypes(preset, t, phase0, altair);
  const capella = createCapellaTypes(preset, t, phase0, altair, bellatrix);
  const deneb = createDenebTypes(preset, t, phase0, altair, capella);
  const electra = createElectraTypes(preset, t, phase0, altair, deneb);
  const fulu = createFuluTypes(preset, t, phase0, altair, deneb, electra);

  const phase0Full = {...t, ...phase0};
  const altairFull = {...phase0Full, ...altair};
  const bellatrixFull = {...altairFull, ...bellatrix};
  const capellaFull = {...bellatrixFull, ...capella};
  const denebFull = {...capellaFull, ...deneb};
  const electraFull = {...denebFull, ...electra};
  const fuluFull = {...electraFull, ...fulu};
  return {
    phase0: phase0Full,
    altair: altairFull,
    bellatrix: bellatrixFull,
    capella: capellaFull,
    deneb: denebFull,
    electra: electraFull,
    fulu: fuluFull,
  };
}

export type SszTypes = ReturnType<typeof createSszTypes>;

/** The SSZ types of the active preset (CEIBO_PRESET), uint64 as numbers: what the node uses. */
export const ssz: SszTypes = createSszTypes(ACTIVE_PRESET);

/** The types of one fork: `typesFor(fork).BeaconState`. */
export function typesFor<F extends ForkName>(fork: F): SszTypes[F] {
  return ssz[fork];
}

const cache = new Map<string, SszTypes>();

/** Types for a named preset and uint64 representation, built once and cached. */
export function getSszTypes(presetName: string = ACTIVE_PRESET_NAME, uint64: Uint64Mode = "number"): SszTypes {
  const key = `${presetName}/${uint64}`;
  let types = cache.get(key);
  if (types === undefined) {
    types =
      presetName === ACTIVE_PRESET_NAME && uint64 === "number" ? ssz : createSszTypes(presetFor(presetName), uint64);
    cache.set(key, types);
  }
  return types;
}

/**
 * Every SSZ type of a fork by its spec container name ("BeaconState", "DataColumnSidecar", ...), for code that
 * only has a name (spec tests, debug tooling). Defaults to the active preset with uint64 as numbers.
 */
export function sszTypesByName(
  fork: ForkName,
  opts: {preset?: string; uint64?: Uint64Mode} = {},
): Record<string, Type<unknown>> {
  const ns = getSszTypes(opts.preset, opts.uint64)[fork] as Record<string, unknown>;
  const out: Record<string, Type<unknown>> = {};
  for (const [name, value] of Object.entries(ns)) {
    if (value instanceof Type) out[name] = value;
  }
  return out;
}

/** The JS value of an SSZ type: `SszValue<typeof ssz.phase0.Checkpoint>`. */
export type SszValue<T extends Type<unknown>> = ValueOf<T>;
