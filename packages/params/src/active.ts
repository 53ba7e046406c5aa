import type {BeaconPreset, PresetName} from "./preset.ts";
import {mainnetPreset} from "./presets/mainnet.ts";
import {minimalPreset} from "./presets/minimal.ts";

const PRESETS: Record<PresetName, BeaconPreset> = {mainnet: mainnetPreset, minimal: minimalPreset};

export function presetFor(name: string): BeaconPreset {
  const preset = PRESETS[name as PresetName];
  if (preset === undefined) throw Error(`Unknown preset "${name}": expected one of ${Object.keys(PRESETS).join(", ")}`);
  return preset;
}

function readActivePresetName(): PresetName {
  const fromEnv = process.env.CEIBO_PRESET;
  if (fromEnv === undefined || fromEnv === "") return "mainnet";
  if (fromEnv !== "mainnet" && fromEnv !== "minimal") {
    throw Error(`CEIBO_PRESET="${fromEnv}" is not a known preset: set it to "mainnet" or "minimal"`);
  }
  return fromEnv;
}

/**
 * The preset this process runs with. Preset constants size SSZ types and drive the state transition,
 * so they are fixed once per process (env CEIBO_PRESET, default mainnet), before any type is built.
 */
export const ACTIVE_PRESET_NAME: PresetName = readActivePresetName();
export const ACTIVE_PRESET: BeaconPreset = PRESETS[ACTIVE_PRESET_NAME];
