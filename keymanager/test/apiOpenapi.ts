/**
 * Loads the Keymanager API OpenAPI spec (../shared/apis/keymanager-APIs, OpenAPI 3.0.3), resolves `$ref`s
 * across its files and validates requests/responses with ajv (draft-07, what OpenAPI 3.0 schemas are).
 * Test helper only.
 */
import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import {Ajv, type ValidateFunction} from "ajv";
import {parse} from "yaml";

export const SPEC_DIR =
  process.env.KEYMANAGER_APIS_DIR ?? path.resolve(import.meta.dirname, "../../../shared/apis/keymanager-APIs");
const ROOT_FILE = path.join(SPEC_DIR, "keymanager-oapi.yaml");

type Obj = Record<string, unknown>;
const files = new Map<string, unknown>();

function loadFile(file: string): unknown {
  let doc = files.get(file);
  if (doc === undefined) {
    if (!existsSync(file)) throw Error(`OpenAPI file not found: ${file}`);
    doc = parse(readFileSync(file, "utf8"));
    files.set(file, doc);
  }
  return doc;
}

function pointer(doc: unknown, ptr: string, where: string): unknown {
  let node = doc;
  for (const raw of ptr.split("/").filter((s) => s !== "")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null || !(key in (node as Obj))) throw Error(`unresolvable $ref ${where}`);
    node = (node as Obj)[key];
  }
  return node;
}

function resolve(node: unknown, file: string, stack: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => resolve(n, file, stack));
  if (typeof node !== "object" || node === null) return node;
  const obj = node as Obj;
  if (typeof obj.$ref === "string") {
    const [filePart, ptr = ""] = obj.$ref.split("#");
    const target = filePart === "" ? file : path.resolve(path.dirname(file), filePart);
    const key = `${target}#${ptr}`;
    if (stack.includes(key)) throw Error(`recursive $ref ${key}`);
    const value = resolve(pointer(loadFile(target), ptr, `${obj.$ref} from ${file}`), target, [...stack, key]);
    const {$ref: _, ...siblings} = obj;
    return Object.keys(siblings).length === 0 ? value : {...(value as Obj), ...(resolve(siblings, file, stack) as Obj)};
  }
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) out[k] = resolve(v, file, stack);
  return out;
}

export interface Operation {
  method: string;
  /** As in the spec: /eth/v1/validator/{pubkey}/feerecipient */
  path: string;
  operationId: string;
  parameters: {name: string; in: string; required?: boolean; schema?: Obj}[];
  requestBody?: {required?: boolean; content: Record<string, {schema?: Obj}>};
  responses: Record<string, {content?: Record<string, {schema?: Obj}>}>;
}

let operations: Operation[] | undefined;

export function loadOperations(): Operation[] {
  if (operations) return operations;
  const root = loadFile(ROOT_FILE) as {paths: Record<string, Obj>};
  operations = [];
  for (const [p, item] of Object.entries(root.paths)) {
    const r = resolve(item, ROOT_FILE) as Record<string, Obj>;
    for (const [method, op] of Object.entries(r)) {
      if (!["get", "post", "put", "delete"].includes(method)) continue;
      operations.push({
        method: method.toUpperCase(),
        path: p,
        operationId: op.operationId as string,
        parameters: (op.parameters ?? []) as Operation["parameters"],
        ...(op.requestBody ? {requestBody: op.requestBody as Operation["requestBody"]} : {}),
        responses: op.responses as Operation["responses"],
      });
    }
  }
  return operations;
}

/** The operation a concrete URL path matches (path parameters as `{name}`). */
export function matchOperation(method: string, urlPath: string): {op: Operation; params: Record<string, string>} {
  for (const op of loadOperations()) {
    if (op.method !== method) continue;
    const names: string[] = [];
    const re = new RegExp(
      `^${op.path.replace(/\{(\w+)\}/g, (_, n: string) => {
        names.push(n);
        return "([^/]+)";
      })}$`,
    );
    const m = re.exec(urlPath);
    if (m) return {op, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]))};
  }
  throw Error(`no operation ${method} ${urlPath} in the Keymanager OpenAPI spec`);
}

const ajv = new Ajv({strict: false, allErrors: true});
ajv.addFormat("hex", /^0x[a-fA-F0-9]*$/);
const compiled = new WeakMap<object, ValidateFunction>();

/** ajv errors as text, or undefined when `value` is valid. */
export function validate(schema: Obj, value: unknown): string | undefined {
  let fn = compiled.get(schema);
  if (fn === undefined) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn(value) ? undefined : ajv.errorsText(fn.errors, {separator: "\n"});
}
