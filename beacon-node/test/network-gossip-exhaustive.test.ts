/**
 * The gossip tables are exhaustive and typed: a topic type added to `GossipTypeMap` (network/gossip/types.ts),
 * listed in `GossipType` and given its SSZ type (topics.ts) but without a handler in index.ts does not compile, and
 * a gossip error code that no topic has does not compile in a validator. The TypeScript compiler runs on the real
 * source tree with in-memory copies of the changed files (nothing is written to disk).
 */
import path from "node:path";
import ts from "typescript";
import {describe, expect, it} from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const dir = path.join(root, "beacon-node/src");
const typesFile = path.join(dir, "network/gossip/types.ts");
const topicsFile = path.join(dir, "network/gossip/topics.ts");
const indexFile = path.join(dir, "network/gossip/index.ts");
const blockFile = path.join(dir, "chain/validation/block.ts");
const checked = [indexFile, typesFile, topicsFile, blockFile];

function parsedConfig(): ts.ParsedCommandLine {
  const read = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
  if (read.error !== undefined) throw Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, root);
}

const options = parsedConfig().options;
let previous: ts.Program | undefined;

/** Type-checks the gossip handler (and the tables, and block.ts) with some files replaced by in-memory text. */
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
  const program = ts.createProgram([indexFile], options, host, previous);
  previous = program;
  const out: {file: string; code: number; message: string}[] = [];
  for (const file of checked) {
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

/** `text` with `from` (which must occur exactly once) replaced by `to`. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw Error(`text not found exactly once: ${from}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** A fake topic type `fake_topic` (messages: a phase0 Slot) in the type map, the GossipType list and the SSZ table. */
function tablesWithFakeTopic(): Map<string, string> {
  const types = insertAfter(
    ts.sys.readFile(typesFile) ?? "",
    "export interface GossipTypeMap {\n",
    "  fake_topic: number;\n",
  );
  let topics = ts.sys.readFile(topicsFile) ?? "";
  topics = insertAfter(topics, "export const GossipType = {\n", '  fake_topic: "fake_topic",\n');
  topics = insertAfter(
    topics,
    "const GOSSIP_SSZ_TYPES: GossipSszTypes = {\n",
    "  fake_topic: () => ssz.phase0.Slot,\n",
  );
  return new Map([
    [typesFile, types],
    [topicsFile, topics],
  ]);
}

describe("gossip tables exhaustiveness and typed error codes", () => {
  it("the real tables, handlers and validators compile", () => {
    expect(check(new Map())).toEqual([]);
  }, 240_000);

  it("a topic type in GossipTypeMap without a handler is a compile error in network/gossip/index.ts", () => {
    const errors = check(tablesWithFakeTopic());
    expect(errors).toHaveLength(1);
    expect(errors[0].file).toBe(path.join("network", "gossip", "index.ts"));
    expect(errors[0].code).toBe(2741); // Property '…' is missing in type '…' but required in type '…'
    expect(errors[0].message).toContain("Property 'fake_topic' is missing");
    expect(errors[0].message).toContain("GossipHandlers");
  }, 240_000);

  it("a topic type without its SSZ type is a compile error in topics.ts", () => {
    const files = tablesWithFakeTopic();
    const topics = replaceOnce(files.get(topicsFile) ?? "", "  fake_topic: () => ssz.phase0.Slot,\n", "");
    files.set(topicsFile, topics);
    const errors = check(files).filter((e) => e.file === path.join("network", "gossip", "topics.ts"));
    expect(errors).toHaveLength(1);
    expect(errors[0].code).toBe(2741);
    expect(errors[0].message).toContain("Property 'fake_topic' is missing");
  }, 240_000);

  it("adding the handler makes it compile again", () => {
    const files = tablesWithFakeTopic();
    const index = insertAfter(
      ts.sys.readFile(indexFile) ?? "",
      "  private createHandlers(): GossipHandlers {\n    const ctx = this.ctx;\n    return {\n",
      "      fake_topic: async (slot) => () => void (slot + 1),\n",
    );
    files.set(indexFile, index);
    expect(check(files)).toEqual([]);
  }, 240_000);

  it("a misspelt or other topic's error code in a validator is a compile error", () => {
    const block = ts.sys.readFile(blockFile) ?? "";
    const typo = replaceOnce(block, 'ignore("ALREADY_KNOWN", ', 'ignore("ALREADY_KNOWNN", ');
    const typoErrors = check(new Map([[blockFile, typo]]));
    expect(typoErrors).toHaveLength(1);
    expect(typoErrors[0].file).toBe(path.join("chain", "validation", "block.ts"));
    expect(typoErrors[0].code).toBe(2345); // Argument of type '…' is not assignable to parameter of type '…'
    expect(typoErrors[0].message).toContain('"ALREADY_KNOWNN"');
    // a real code of another topic (sync committee) is not a block code either
    const otherTopic = replaceOnce(block, 'ignore("ALREADY_KNOWN", ', 'ignore("SYNC_MESSAGE_ALREADY_KNOWN", ');
    const otherErrors = check(new Map([[blockFile, otherTopic]]));
    expect(otherErrors).toHaveLength(1);
    expect(otherErrors[0].code).toBe(2345);
    expect(otherErrors[0].message).toContain('"SYNC_MESSAGE_ALREADY_KNOWN"');
  }, 240_000);
});
