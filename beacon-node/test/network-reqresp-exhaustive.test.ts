/**
 * The req/resp handler table is exhaustive: a method added to the protocol table (network/reqresp/types.ts and
 * ReqRespMethod in protocols.ts) without a handler in handlers/index.ts does not compile. The TypeScript compiler
 * runs on the real source tree with in-memory copies of the changed files (nothing is written to disk).
 */
import path from "node:path";
import ts from "typescript";
import {describe, expect, it} from "vitest";
import {HANDLERS} from "../src/network/reqresp/handlers/index.ts";
import {PROTOCOLS} from "../src/network/reqresp/protocols.ts";

const root = path.resolve(import.meta.dirname, "../..");
const dir = path.join(root, "beacon-node/src/network/reqresp");
const tableFile = path.join(dir, "types.ts");
const protocolsFile = path.join(dir, "protocols.ts");
const handlersFile = path.join(dir, "handlers/index.ts");

function parsedConfig(): ts.ParsedCommandLine {
  const read = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
  if (read.error !== undefined) throw Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, root);
}

const options = parsedConfig().options;
let previous: ts.Program | undefined;

/** Type-checks handlers/index.ts (and the table) with some files replaced by in-memory text. */
function check(overrides: Map<string, string>): {file: string; code: number; message: string}[] {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = overrides.get(path.resolve(fileName));
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  host.readFile = (fileName) => overrides.get(path.resolve(fileName)) ?? readFile(fileName);
  const program = ts.createProgram([handlersFile], options, host, previous);
  previous = program;
  const out: {file: string; code: number; message: string}[] = [];
  for (const file of [handlersFile, tableFile, protocolsFile]) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw Error(`${file} is not part of the program`);
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      out.push({
        file: path.relative(dir, file),
        code: d.code,
        message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      });
    }
  }
  return out;
}

/** `text` with `insert` placed right after `anchor` (which must occur exactly once). */
function insertAfter(text: string, anchor: string, insert: string): string {
  const at = text.indexOf(anchor);
  if (at < 0 || text.indexOf(anchor, at + 1) >= 0) throw Error(`anchor not found exactly once: ${anchor}`);
  return text.slice(0, at + anchor.length) + insert + text.slice(at + anchor.length);
}

/** The protocol table with a fake method `fake_method` (request and response bigint) in every place it lists methods. */
function tableWithFakeMethod(): Map<string, string> {
  let table = ts.sys.readFile(tableFile) ?? "";
  table = insertAfter(table, "export interface RequestBodyByMethod {\n", "  fake_method: bigint;\n");
  table = insertAfter(table, "export interface ResponseBodyByMethod {\n", "  fake_method: bigint;\n");
  let protocols = ts.sys.readFile(protocolsFile) ?? "";
  protocols = insertAfter(protocols, "export const ReqRespMethod = {\n", '  FakeMethod: "fake_method",\n');
  return new Map([
    [tableFile, table],
    [protocolsFile, protocols],
  ]);
}

describe("req/resp handler table exhaustiveness", () => {
  it("the real table and handlers compile", () => {
    expect(check(new Map())).toEqual([]);
  }, 240_000);

  it("a method in the protocol table without a handler is a compile error in handlers/index.ts", () => {
    const errors = check(tableWithFakeMethod());
    expect(errors).toHaveLength(1);
    expect(errors[0].file).toBe(path.join("handlers", "index.ts"));
    expect(errors[0].code).toBe(2741); // Property '…' is missing in type '…' but required in type '…'
    expect(errors[0].message).toContain("Property 'fake_method' is missing");
    expect(errors[0].message).toContain("HandlerTable");
  }, 240_000);

  it("adding the handler makes it compile again", () => {
    const files = tableWithFakeMethod();
    const handlers = insertAfter(
      ts.sys.readFile(handlersFile) ?? "",
      "export const HANDLERS: HandlerTable = {\n",
      "  fake_method: {requestType: null, handle: async () => [1n], encode: () => ({ssz: new Uint8Array(8)})},\n",
    );
    files.set(handlersFile, handlers);
    expect(check(files)).toEqual([]);
  }, 240_000);

  it("a handler reads request content exactly for the protocols that have it (GetMetaData and the latest light-client updates have none)", () => {
    const withoutRequest = PROTOCOLS.filter((def) => HANDLERS[def.method].requestType === null).map((def) => def.id);
    expect(withoutRequest).toEqual(PROTOCOLS.filter((def) => !def.hasRequest).map((def) => def.id));
    expect(withoutRequest).toEqual([
      "/eth2/beacon_chain/req/metadata/1/ssz_snappy",
      "/eth2/beacon_chain/req/metadata/2/ssz_snappy",
      "/eth2/beacon_chain/req/metadata/3/ssz_snappy",
      "/eth2/beacon_chain/req/light_client_finality_update/1/ssz_snappy",
      "/eth2/beacon_chain/req/light_client_optimistic_update/1/ssz_snappy",
    ]);
  });
});
