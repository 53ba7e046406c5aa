/** Every fuzz target, by name (`npm run fuzz -- --list`). */
import type {FuzzTarget} from "./target.ts";
import {apiTargets} from "./targets/api.ts";
import {keyTargets} from "./targets/keys.ts";
import {networkTargets} from "./targets/network.ts";
import {sszTargets} from "./targets/ssz.ts";

export const targets: FuzzTarget[] = [...sszTargets, ...networkTargets, ...apiTargets, ...keyTargets];

export function targetByName(name: string): FuzzTarget {
  const t = targets.find((x) => x.name === name);
  if (t === undefined) throw Error(`unknown fuzz target "${name}" (known: ${targets.map((x) => x.name).join(", ")})`);
  return t;
}
