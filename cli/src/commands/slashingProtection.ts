/** `ceibo slashing-protection export|import`: EIP-3076 interchange (v5) files for a validator data directory. */
import {existsSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import {type Command, UsageError} from "../command.ts";
import {CHAIN_HELP, CHAIN_OPTIONS, dataDirOf, namedGenesisValidatorsRoot} from "./validatorOps.ts";

const HELP = `Usage: ceibo slashing-protection export --data-dir D --file F [--pubkeys 0x…,0x…] [--force] [chain option]
       ceibo slashing-protection import --data-dir D --file F [chain option]

Moves the validator's EIP-3076 slashing-protection history (D/slashing-protection, the database the validator
client's signing gate checks before every block and attestation) to and from an interchange file (format v5), e.g.
to change client or machine. Stop the validator client on D first: its database is locked while it runs.

export   writes the complete history (every block and attestation with its signing root) of the data directory's
         chain to F; --pubkeys limits it to those validators. Refuses to overwrite F unless --force.
import   merges F into the database following EIP-3076 (every record kept; nothing that was refused before becomes
         signable). Refused as a whole when F is for another network (genesis_validators_root) than the data
         directory, or malformed. Prints the validators, blocks and attestations imported, and how many of them
         were already recorded.

Options:
  --data-dir D                  the validator's data directory (default ./ceibo-validator; --dataDir also works)
  --file F                      the interchange file
  --pubkeys 0x…[,0x…]           export: only these validators
  --force                       export: overwrite F
${CHAIN_HELP}
                                Needed only when the database has no history yet (import) or holds several
                                chains; otherwise the chain it has history for is used, and a named one must match
  -h, --help                    this help`;

export const slashingProtectionCommand: Command = {
  summary: "export / import the validator's EIP-3076 slashing-protection history (interchange v5)",
  async run(argv) {
    const {values, positionals} = parseArgs({
      args: argv,
      options: {
        dataDir: {type: "string"},
        "data-dir": {type: "string"},
        file: {type: "string"},
        pubkeys: {type: "string"},
        force: {type: "boolean", default: false},
        ...CHAIN_OPTIONS,
        help: {type: "boolean", short: "h", default: false},
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [action, ...rest] = positionals;
    if (action !== "export" && action !== "import") {
      throw new UsageError(
        action === undefined ? "say export or import (see --help)" : `unknown action "${action}": export or import`,
      );
    }
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (values.file === undefined) throw new UsageError("--file F is required");
    const file = resolve(values.file);
    const dataDir = dataDirOf(values);
    const named = await namedGenesisValidatorsRoot(values);
    const vc = await import("@ceibo/validator-client");

    if (action === "export") {
      if (values.force === false && existsSync(file)) {
        throw new UsageError(`${file} exists: not overwritten (give --force to replace it)`);
      }
      const pubkeys = values.pubkeys?.split(",").map((p) => p.trim().toLowerCase());
      for (const p of pubkeys ?? []) {
        if (!/^0x[0-9a-f]{96}$/.test(p)) throw new UsageError(`--pubkeys: "${p}" is not a 0x-prefixed 48-byte pubkey`);
      }
      if (!vc.hasSlashingProtection(dataDir)) {
        throw new Error(
          `no slashing-protection database in ${dataDir} (expected ${vc.slashingProtectionPath(dataDir)})`,
        );
      }
      const store = await vc.openDataDirStore(dataDir);
      try {
        const gvr = vc.resolveDataDirChain(dataDir, await store.genesisValidatorsRoots(), named?.root);
        const doc = await store.exportInterchange(gvr, pubkeys);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
        renameSync(tmp, file);
        const blocks = doc.data.reduce((s, d) => s + d.signed_blocks.length, 0);
        const atts = doc.data.reduce((s, d) => s + d.signed_attestations.length, 0);
        console.log(
          `Exported ${doc.data.length} validator(s), ${blocks} block(s), ${atts} attestation(s) ` +
            `(genesis_validators_root ${gvr}) to ${file}`,
        );
      } finally {
        await store.close();
      }
      return 0;
    }

    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
    const parsed = vc.parseInterchangeFile(file, text);
    // decide the chain before creating a database, so a refused import leaves nothing behind
    let gvr: string;
    let store: Awaited<ReturnType<typeof vc.openDataDirStore>>;
    if (vc.hasSlashingProtection(dataDir)) {
      store = await vc.openDataDirStore(dataDir);
      try {
        gvr = vc.resolveDataDirChain(dataDir, await store.genesisValidatorsRoots(), named?.root);
      } catch (e) {
        await store.close();
        throw e;
      }
    } else {
      gvr = vc.resolveDataDirChain(dataDir, [], named?.root);
      const {toHex} = await import("@ceibo/utils");
      if (toHex(parsed.genesisValidatorsRoot) !== gvr) {
        throw new Error(
          `${file} is for genesis_validators_root ${toHex(parsed.genesisValidatorsRoot)}, but this data directory is ` +
            `for ${gvr} (another network): nothing imported`,
        );
      }
      store = await vc.openDataDirStore(dataDir);
    }
    try {
      const s = await vc.importInterchangeCounted(store, parsed, text, gvr, file);
      console.log(
        `Imported ${file} into ${vc.slashingProtectionPath(dataDir)}: ${s.validators} validator(s); ` +
          `blocks: ${s.newBlocks} new, ${s.blocks - s.newBlocks} already recorded or merged; ` +
          `attestations: ${s.newAttestations} new, ${s.attestations - s.newAttestations} already recorded or merged ` +
          `(genesis_validators_root ${gvr})`,
      );
    } finally {
      await store.close();
    }
    return 0;
  },
};
