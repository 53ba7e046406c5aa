import {isJsonContentType} from "./contentType.ts";
import {ApiError, DecodeError} from "./errors.ts";
import type {AnySpec, ArgSpecs, ArgsContext, Format} from "./route.ts";
import {describe} from "./sszJson.ts";

export interface EncodedArgs {
  path: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body?: {json: unknown} | {ssz: Uint8Array};
}

/** Client side: the arguments of a call → URL parts, headers and body. */
export function encodeArgs(specs: ArgSpecs, args: Record<string, unknown>, bodyFormat: Format): EncodedArgs {
  const out: EncodedArgs = {path: {}, query: [], headers: {}};
  // A body of fields is always sent (the spec requires the body even when every field is omitted).
  const fields: Record<string, unknown> | undefined = Object.values(specs).some((s) => s.kind === "bodyField")
    ? {}
    : undefined;
  for (const [key, spec] of Object.entries(specs)) {
    const value = args[key];
    if (value === undefined) {
      if (!spec.optional && !(spec.kind === "header" && spec.fromBody)) throw Error(`missing argument ${key}`);
      continue;
    }
    switch (spec.kind) {
      case "path":
        out.path[spec.name] = spec.codec.write(value);
        break;
      case "query":
        if (spec.multi) for (const v of value as unknown[]) out.query.push([spec.name, spec.codec.write(v)]);
        else out.query.push([spec.name, spec.codec.write(value)]);
        break;
      case "header":
        out.headers[spec.name] = spec.codec.write(value);
        break;
      case "body":
        out.body =
          bodyFormat === "ssz" && spec.codec.serialize
            ? {ssz: spec.codec.serialize(value, args)}
            : {json: spec.codec.toJson(value, args)};
        break;
      case "bodyField":
        (fields as Record<string, unknown>)[spec.name] = spec.codec.toJson(value);
        break;
    }
  }
  if (fields !== undefined) out.body = {json: fields};
  return out;
}

export interface ArgsInput {
  params: Record<string, string | undefined>;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, a Buffer for SSZ, or undefined. */
  body: unknown;
  bodyIsSsz: boolean;
  /** The request's Content-Type, if any. */
  contentType?: string;
}

const LOCATION: Record<AnySpec["kind"], string> = {
  path: "path parameter",
  query: "query parameter",
  header: "header",
  body: "request body",
  bodyField: "request body field",
};

/** Server side: the HTTP request → the arguments object. Throws ApiError 400 (414, 415) saying what was wrong. */
export function parseArgs(specs: ArgSpecs, input: ArgsInput, ctx: ArgsContext): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const entries = Object.entries(specs);
  // Parameters first, then the body (a body codec may depend on a header, e.g. the fork).
  for (const [key, spec] of entries) {
    try {
      switch (spec.kind) {
        case "path": {
          const raw = input.params[spec.name];
          if (raw === undefined) throw new DecodeError(spec.name, "missing");
          args[key] = spec.codec.parse(raw, spec.name);
          break;
        }
        case "query": {
          const raw = input.query[spec.name];
          if (raw === undefined) {
            if (!spec.optional) throw new DecodeError(spec.name, "missing");
            break;
          }
          if (spec.multi) {
            const items = (Array.isArray(raw) ? raw : [raw]).flatMap((s) => s.split(",")).filter((s) => s !== "");
            if (spec.maxItems !== undefined && items.length > spec.maxItems) {
              throw new ApiError(
                414,
                `Too many values for query parameter ${spec.name}: ${items.length} > ${spec.maxItems}`,
              );
            }
            args[key] = items.map((s) => spec.codec.parse(s, spec.name));
          } else {
            if (Array.isArray(raw)) throw new DecodeError(spec.name, "given more than once");
            args[key] = spec.codec.parse(raw, spec.name);
          }
          break;
        }
        case "header": {
          const raw = input.headers[spec.name.toLowerCase()];
          if (raw === undefined) {
            const derived = spec.fromBody && !input.bodyIsSsz ? spec.fromBody(input.body, ctx) : undefined;
            if (derived !== undefined) args[key] = derived;
            else if (!spec.optional) throw new DecodeError(spec.name, "missing");
            break;
          }
          args[key] = spec.codec.parse(Array.isArray(raw) ? raw[0] : raw, spec.name);
          break;
        }
      }
    } catch (e) {
      throw asBadRequest(e, spec.kind);
    }
  }
  for (const [key, spec] of entries) {
    if (spec.kind !== "body" && spec.kind !== "bodyField") continue;
    const hasBody = input.body !== undefined && input.body !== null && !isEmptyBuffer(input.body);
    if (hasBody && !input.bodyIsSsz && !isJsonContentType(input.contentType)) {
      const ssz = spec.kind === "body" && spec.codec.deserialize !== undefined;
      throw new ApiError(
        415,
        `Unsupported Content-Type ${input.contentType ?? "(none)"}: send application/json${ssz ? " or application/octet-stream" : ""}`,
      );
    }
    try {
      if (input.body === undefined || input.body === null || isEmptyBuffer(input.body)) {
        if (!spec.optional) throw new DecodeError("", "missing");
        continue;
      }
      if (spec.kind === "body") {
        if (input.bodyIsSsz) {
          if (spec.codec.deserialize === undefined) {
            throw new ApiError(415, "This route does not accept an SSZ (application/octet-stream) body");
          }
          const buf = input.body as Buffer;
          args[key] = spec.codec.deserialize(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), args);
        } else {
          args[key] = spec.codec.fromJson(input.body, args);
        }
      } else {
        if (input.bodyIsSsz)
          throw new ApiError(415, "This route does not accept an SSZ (application/octet-stream) body");
        const obj = input.body;
        if (typeof obj !== "object" || Array.isArray(obj)) {
          throw new DecodeError("", `expected a JSON object, got ${describe(obj)}`);
        }
        const value = (obj as Record<string, unknown>)[spec.name];
        if (value !== undefined && value !== null) args[key] = spec.codec.fromJson(value, spec.name);
      }
    } catch (e) {
      throw asBadRequest(e, spec.kind);
    }
  }
  return args;
}

function isEmptyBuffer(body: unknown): boolean {
  return Buffer.isBuffer(body) && body.length === 0;
}

function asBadRequest(e: unknown, kind: AnySpec["kind"]): Error {
  if (e instanceof ApiError) return e;
  if (e instanceof DecodeError) {
    const where = e.path === "" ? LOCATION[kind] : `${LOCATION[kind]} ${e.path}`;
    return new ApiError(400, `Invalid ${where}: ${e.reason}`);
  }
  return new ApiError(400, `Invalid ${LOCATION[kind]}: ${(e as Error).message}`);
}
