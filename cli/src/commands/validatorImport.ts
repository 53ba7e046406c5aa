/** `ceibo validator import --from DIR`: keystores (and an EIP-3076 interchange) into a validator data directory. */
import {readFileSync} from "node:fs";
import {basename, resolve} from "node:path";
import {parseArgs} from "node:util";
import {type Command, UsageError} from "../command.ts";
import {CHAIN_HELP, CHAIN_OPTIONS, dataDirOf, namedGenesisValidatorsRoot} from "./validatorOps.ts";

export const VALIDATOR_IMPORT_HELP = `Usage: ceibo validator import --from DIR (--password-file F | --password-dir PDIR) [--data-dir D]
                              [--slashing-protection interchange.json [--network N | --beacon-node URL]]

Copies the EIP-2335 keystores of DIR into the validator data directory, where the validator client loads them at
every start (D/keymanager/keystores/<pubkey>.json with its password in D/keymanager/secrets/<pubkey>, the same
place the Keymanager API import uses). DIR may be a staking-deposit-cli / ceibo keys output folder as it is:
deposit_data-*.json files are recognised and skipped (and listed). Every keystore is decrypted first; an EIP-3076
interchange (v5) given with --slashing-protection is imported into D/slashing-protection at the same time, before
the keys. All or nothing: a wrong password, a malformed keystore or an interchange of another network stops the
import with one line naming the file and the problem, and the data directory is left as it was. Keys already in
the data directory are left as they are (and listed). Stop the validator client on D first when importing an
interchange (its database is locked while it runs); without one, newly imported keys are picked up at its next start.

Options:
  --from DIR                    folder of keystores (*.json; non-.json files are ignored)
  --password-file FILE          one password for every keystore (the file's content, a final newline dropped;
                                "-" reads it from stdin)
  --password-dir PDIR           one password file per keystore, named after its pubkey: <pubkey>.txt, 0x<pubkey>.txt,
                                <pubkey> or 0x<pubkey> (as Lighthouse / Teku accept), or <keystore name>.txt
  --data-dir D                  the validator's data directory (default ./ceibo-validator; --dataDir also works)
  --slashing-protection FILE    an EIP-3076 interchange (format v5) to import with the keys
${CHAIN_HELP}
                                The interchange must be for the data directory's chain: the one its
                                slashing-protection database already has history for, or the one named here
  -h, --help                    this help

Passwords are read from files only (never from the command line or the environment).`;

export const validatorImportCommand: Command = {
  summary: "import keystores (+ slashing-protection interchange) into a validator data directory",
  async run(argv) {
    const {values, positionals} = parseArgs({
      args: argv,
      options: {
        from: {type: "string"},
        "password-file": {type: "string"},
        "password-dir": {type: "string"},
        dataDir: {type: "string"},
        "data-dir": {type: "string"},
        "slashing-protection": {type: "string"},
        ...CHAIN_OPTIONS,
        help: {type: "boolean", short: "h", default: false},
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      console.log(VALIDATOR_IMPORT_HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (see --help)`);
    if (values.from === undefined) throw new UsageError("--from DIR is required (the folder of keystores)");
    if ((values["password-file"] === undefined) === (values["password-dir"] === undefined)) {
      throw new UsageError("give either --password-file F (one password for all) or --password-dir PDIR (one per key)");
    }
    const dataDir = dataDirOf(values);
    const named = await namedGenesisValidatorsRoot(values);
    if (named !== undefined && values["slashing-protection"] === undefined) {
      throw new UsageError(`--${named.source.split(" ")[0]} only matters with --slashing-protection`);
    }
    const km = await import("@ceibo/keymanager");
    const vc = await import("@ceibo/validator-client");
    const scanned = km.scanKeystoreDir(values.from);
    for (const s of scanned.skipped) console.log(`Skipping ${basename(s.path)}: ${s.reason}`);
    const passwords = km.keystorePasswords(scanned.keystores, {
      password: values["password-file"] === undefined ? undefined : await km.readPasswordFile(values["password-file"]),
      passwordDir: values["password-dir"],
    });
    let interchange: {path: string; text: string} | undefined;
    if (values["slashing-protection"] !== undefined) {
      const path = resolve(values["slashing-protection"]);
      try {
        interchange = {path, text: readFileSync(path, "utf8")};
      } catch (e) {
        throw new Error(`cannot read the interchange ${path}: ${(e as Error).message}`);
      }
    }
    console.log(`Checking ${scanned.keystores.length} keystore(s) from ${resolve(values.from)} …`);
    const report = await vc.importKeysIntoDataDir({
      dataDir,
      keystores: scanned.keystores,
      passwords,
      interchange,
      genesisValidatorsRoot: named?.root,
      onProgress: process.stderr.isTTY ? km.progressLine() : undefined,
    });
    for (const p of report.alreadyPresent) console.log(`Already in the data directory (left as it is): ${p}`);
    for (const p of report.imported) console.log(`Imported ${p}`);
    if (report.interchange) {
      const i = report.interchange;
      console.log(
        `Slashing protection imported for ${i.validators} validator(s): ${i.blocks} block(s) and ${i.attestations} ` +
          `attestation(s) in the file, ${i.newBlocks} block(s) and ${i.newAttestations} attestation(s) new, ` +
          `${i.blocks - i.newBlocks} block(s) and ${i.attestations - i.newAttestations} attestation(s) already ` +
          `recorded or merged (genesis_validators_root ${i.genesisValidatorsRoot})`,
      );
    }
    console.log(
      `Done: ${report.imported.length} imported, ${report.alreadyPresent.length} already present, ` +
        `${scanned.skipped.length} file(s) skipped, into ${dataDir}. The validator client loads them at its next start ` +
        `(ceibo validator --data-dir ${dataDir} …).`,
    );
    return 0;
  },
};
