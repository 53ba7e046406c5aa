/**
 * Loads the Beacon API OpenAPI spec (../shared/apis/beacon-APIs), resolves `$ref`s across its files, and
 * compiles JSON-schema validators (ajv, draft 2020-12 as OpenAPI 3.1 uses) for operations' parameters, request
 * bodies and responses. Test helper only.
 */
import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import type {ValidateFunction} from "ajv";
import {Ajv2020} from "ajv/dist/2020.js";
import {parse} from "yaml";

// BEACON_APIS_DIR: the spec elsewhere (e.g. a git worktree not next to ../shared)
export const SPEC_DIR =
  process.env.BEACON_APIS_DIR ?? path.resolve(import.meta.dirname, "../../../../shared/apis/beacon-APIs");
const ROOT_FILE = path.join(SPEC_DIR, "beacon-node-oapi.yaml");

type Json = unknown;
type Obj = Record<string, Json>;

const files = new Map<string, Json>();
function loadFile(file: string): Json {
  let doc = files.get(file);
  if (doc === undefined) {
    if (!existsSync(file)) throw Error(`OpenAPI file not found: ${file}`);
    doc = parse(readFileSync(file, "utf8")) as Json;
    files.set(file, doc);
  }
  return doc;
}

function pointer(doc: Json, ptr: string, where: string): Json {
  let node = doc;
  for (const raw of ptr.split("/").filter((s) => s !== "")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null || !(key in (node as Obj))) {
      throw Error(`unresolvable $ref ${where}`);
    }
    node = (node as Obj)[key];
  }
  return node;
}

const resolved = new Map<string, Json>();

/** A copy of `node` (found in `file`) with every $ref replaced by its target (siblings of $ref kept). */
export function resolve(node: Json, file: string, stack: string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => resolve(n, file, stack));
  if (typeof node !== "object" || node === null) return node;
  const obj = node as Obj;
  if (typeof obj.$ref === "string") {
    const [filePart, ptr = ""] = obj.$ref.split("#");
    const target = filePart === "" ? file : path.resolve(path.dirname(file), filePart);
    const key = `${target}#${ptr}`;
    if (stack.includes(key)) throw Error(`recursive $ref ${key}`);
    let value = resolved.get(key);
    if (value === undefined) {
      value = resolve(pointer(loadFile(target), ptr, `${obj.$ref} from ${file}`), target, [...stack, key]);
      resolved.set(key, value);
    }
    const {$ref: _, ...siblings} = obj;
    return Object.keys(siblings).length === 0 ? value : {...(value as Obj), ...(resolve(siblings, file, stack) as Obj)};
  }
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) out[k] = resolve(v, file, stack);
  return out;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema?: Obj;
}

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  parameters: Parameter[];
  requestBody?: {required?: boolean; content: Record<string, {schema?: Obj}>};
  responses: Record<
    string,
    {headers?: Record<string, {required?: boolean; schema?: Obj}>; content?: Record<string, {schema?: Obj}>}
  >;
}

let operations: Operation[] | undefined;

/** Every operation of the spec, fully resolved. */
export function loadOperations(): Operation[] {
  if (operations) return operations;
  const root = loadFile(ROOT_FILE) as {paths: Record<string, Obj>};
  operations = [];
  for (const [p, item] of Object.entries(root.paths)) {
    const resolvedItem = resolve(item, ROOT_FILE) as Record<string, Obj>;
    for (const [method, op] of Object.entries(resolvedItem)) {
      if (!["get", "post", "put", "delete"].includes(method)) continue;
      operations.push({
        method: method.toUpperCase(),
        path: p,
        operationId: op.operationId as string,
        parameters: (op.parameters ?? []) as Parameter[],
        ...(op.requestBody ? {requestBody: op.requestBody as Operation["requestBody"]} : {}),
        responses: op.responses as Operation["responses"],
      });
    }
  }
  return operations;
}

export function findOperation(method: string, urlPath: string): Operation | undefined {
  return loadOperations().find((op) => op.method === method && op.path === urlPath);
}

const ajv = new Ajv2020({strict: false, allErrors: true});
ajv.addFormat("hex", /^0x[a-fA-F0-9]*$/);
const compiled = new WeakMap<object, ValidateFunction>();

/** Validates `value` against a JSON schema; returns the ajv errors as text, or undefined when valid. */
export function validate(schema: Obj, value: unknown): string | undefined {
  let fn = compiled.get(schema);
  if (fn === undefined) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(value)) return undefined;
  return ajv.errorsText(fn.errors, {separator: "\n"}).slice(0, 2000);
}
