import path from "node:path";
import {resolve, SPEC_DIR} from "./openapi.ts";

/** A resolved schema of `components/schemas` by name ("Electra.Attestation"). */
export function components(name: string): Record<string, unknown> {
  const root = path.join(SPEC_DIR, "beacon-node-oapi.yaml");
  return resolve({$ref: `#/components/schemas/${name}`}, root) as Record<string, unknown>;
}
