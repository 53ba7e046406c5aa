/** `ceibo validator bls-change`: move 0x00 (BLS) withdrawal credentials to an execution address (0x01). */
import {existsSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import {type Command, UsageError} from "../command.ts";
import {createPrompter} from "../prompt.ts";
import {checkUrl, parseRoot} from "./validatorOps.ts";

export const BLS_CHANGE_HELP = `Usage: ceibo validator bls-change --validator-indices I[,I…] --withdrawal-address 0x… [--start-index K]
                                 (--network N | --beacon-node URL) [--mnemonic-file F] [--out FILE]

Signs a SignedBLSToExecutionChange for each validator whose withdrawal credentials are still BLS (0x00): the
withdrawal key m/12381/3600/<K+n>/0 (EIP-2334) is derived from the mnemonic the keys were made from, and the
change is signed with DOMAIN_BLS_TO_EXECUTION_CHANGE over the network's GENESIS fork version and genesis
validators root (capella process_bls_to_execution_change). Once a block includes it the credentials become
0x01 ‖ 0x00*11 ‖ address: withdrawals go to that address. This happens ONCE per validator and cannot be changed.

With --beacon-node each validator's current credentials are read first: they must be 0x00 and match the derived
key (a wrong mnemonic or --start-index is caught there). Then the changes are submitted to
POST /eth/v1/beacon/pool/bls_to_execution_changes, or, with --out, written as JSON (the format
staking-deposit-cli's bls_to_execution_change-*.json and ethdo use) for submitting later from another machine.
Without --beacon-node (offline, --out required) nothing is checked against the chain.

Options:
  --validator-indices I[,I…]    the validators' indices on the beacon chain, in the order of their keys
  --start-index K               mnemonic key index of the first of them (default 0): validator n of the list uses
                                withdrawal key m/12381/3600/<K+n>/0, as staking-deposit-cli --validator_start_index
  --withdrawal-address 0x…      the 20-byte execution address to withdraw to
  --network NAME                mainnet, sepolia, hoodi or dev (fork version; the genesis validators root too for
                                public networks)
  --beacon-node URL             a beacon node of the network (genesis, credential checks, submission)
  --genesis-validators-root 0x… the network's genesis validators root, offline for a dev/custom chain
  --mnemonic-file F             read the mnemonic from F; without it it is asked for (terminal) or read from
                                stdin (first line). Never give it on the command line or in the environment
  --out FILE                    write the signed changes to FILE instead of submitting them
  -h, --help                    this help`;

export const blsChangeCommand: Command = {
  summary: "change BLS (0x00) withdrawal credentials to an execution address",
  async run(argv) {
    const {values, positionals} = parseArgs({
      args: argv,
      options: {
        "validator-indices": {type: "string"},
        "start-index": {type: "string"},
        "withdrawal-address": {type: "string"},
        network: {type: "string"},
        "beacon-node": {type: "string"},
        "genesis-validators-root": {type: "string"},
        "mnemonic-file": {type: "string"},
        out: {type: "string"},
        help: {type: "boolean", short: "h", default: false},
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      console.log(BLS_CHANGE_HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (see --help)`);
    if (values["validator-indices"] === undefined) throw new UsageError("--validator-indices I[,I…] is required");
    const indices = values["validator-indices"].split(",").map((t) => {
      const n = Number(t.trim());
      if (!/^\d+$/.test(t.trim()) || !Number.isSafeInteger(n)) {
        throw new UsageError(`--validator-indices: "${t}" is not a validator index`);
      }
      return n;
    });
    if (new Set(indices).size !== indices.length) throw new UsageError("--validator-indices: an index is listed twice");
    const startIndex = Number(values["start-index"] ?? "0");
    if (!/^\d+$/.test(values["start-index"] ?? "0") || !Number.isSafeInteger(startIndex) || startIndex >= 2 ** 32) {
      throw new UsageError(`--start-index must be a key index, got "${values["start-index"]}"`);
    }
    const addrText = values["withdrawal-address"];
    if (addrText === undefined || !/^0x[0-9a-fA-F]{40}$/.test(addrText)) {
      throw new UsageError("--withdrawal-address must be a 0x-prefixed 20-byte execution address");
    }
    const {networks} = await import("@ceibo/config");
    const {fromHex, toHex} = await import("@ceibo/utils");
    const address = fromHex(addrText.toLowerCase(), "--withdrawal-address");
    if (values.out === undefined && values["beacon-node"] === undefined) {
      throw new UsageError("give --beacon-node URL (to check and submit) or --out FILE (to write the changes)");
    }
    const out = values.out === undefined ? undefined : resolve(values.out);
    if (out !== undefined && existsSync(out)) throw new UsageError(`${out} exists: not overwritten`);

    // the network: genesis fork version and genesis validators root
    let networkName = values.network;
    let forkVersion: Uint8Array | undefined;
    let gvr: Uint8Array | undefined;
    if (values.network !== undefined) {
      const info = (networks as Record<string, (typeof networks)["mainnet"]>)[values.network];
      if (info === undefined) throw new UsageError(`--network: unknown network "${values.network}"`);
      forkVersion = info.chainConfig.GENESIS_FORK_VERSION;
      gvr = info.genesis?.genesisValidatorsRoot;
    }
    if (values["genesis-validators-root"] !== undefined) {
      const given = parseRoot("genesis-validators-root", values["genesis-validators-root"]);
      if (gvr !== undefined && toHex(gvr) !== toHex(given)) {
        throw new UsageError(`--genesis-validators-root differs from network ${values.network}'s ${toHex(gvr)}`);
      }
      gvr = given;
    }
    const vc = await import("@ceibo/validator-client");
    const api =
      values["beacon-node"] === undefined
        ? undefined
        : vc.beaconApiClient(checkUrl("beacon-node", values["beacon-node"]));
    if (api !== undefined) {
      const g = (await api.getGenesis()).data;
      if (forkVersion !== undefined && toHex(forkVersion) !== toHex(g.genesisForkVersion)) {
        throw new Error(
          `the beacon node's genesis fork version ${toHex(g.genesisForkVersion)} is not network ${values.network}'s ${toHex(forkVersion)}`,
        );
      }
      if (gvr !== undefined && toHex(gvr) !== toHex(g.genesisValidatorsRoot)) {
        throw new Error(
          `the beacon node's genesis validators root ${toHex(g.genesisValidatorsRoot)} is not ${toHex(gvr)}`,
        );
      }
      forkVersion = g.genesisForkVersion;
      gvr = g.genesisValidatorsRoot;
      networkName ??= (await api.getSpec()).data.CONFIG_NAME ?? "custom";
    }
    if (forkVersion === undefined) throw new UsageError("give --network NAME or --beacon-node URL");
    if (gvr === undefined) {
      throw new UsageError(
        `network ${values.network} has no fixed genesis: give --beacon-node URL or --genesis-validators-root`,
      );
    }

    // the mnemonic: a file, a prompt or stdin — never argv or the environment
    let mnemonic: string;
    if (values["mnemonic-file"] !== undefined) {
      try {
        mnemonic = readFileSync(values["mnemonic-file"], "utf8").trim();
      } catch (e) {
        throw new Error(`cannot read the mnemonic file ${values["mnemonic-file"]}: ${(e as Error).message}`);
      }
    } else {
      const prompter = createPrompter();
      try {
        mnemonic = (await prompter.ask("Mnemonic (the words, space separated): ", {hidden: true})).trim();
      } catch (e) {
        throw new Error(`no mnemonic given (${(e as Error).message})`);
      } finally {
        prompter.close();
      }
    }
    if (mnemonic === "") throw new Error("no mnemonic given");

    let changes: ReturnType<typeof vc.buildBlsToExecutionChanges>;
    try {
      changes = vc.buildBlsToExecutionChanges({
        mnemonic,
        startIndex,
        validatorIndices: indices,
        toExecutionAddress: address,
        genesisForkVersion: forkVersion,
        genesisValidatorsRoot: gvr,
      });
    } catch (e) {
      throw new Error(`the mnemonic is not valid: ${(e as Error).message}`);
    }

    if (api !== undefined) {
      const res = await api.postStateValidators({stateId: "head", validatorIds: indices});
      const byIndex = new Map(res.data.map((v) => [v.index, v]));
      for (const c of changes) {
        const v = byIndex.get(c.message.validatorIndex);
        if (v === undefined) throw new Error(`validator ${c.message.validatorIndex} is unknown to the beacon node`);
        const creds = v.validator.withdrawalCredentials;
        if (creds[0] !== 0) {
          throw new Error(
            `validator ${c.message.validatorIndex} has withdrawal credentials ${toHex(creds)} (prefix 0x${creds[0].toString(16).padStart(2, "0")}), ` +
              "not BLS (0x00): nothing to change",
          );
        }
        const expected = vc.blsWithdrawalCredentials(c.message.fromBlsPubkey);
        if (toHex(creds) !== toHex(expected)) {
          throw new Error(
            `validator ${c.message.validatorIndex}'s withdrawal credentials ${toHex(creds)} do not match the withdrawal key ` +
              `m/12381/3600/${c.keyIndex}/0 of this mnemonic (${toHex(expected)}): wrong mnemonic, --start-index or index order?`,
          );
        }
      }
      console.log(`Checked ${changes.length} validator(s): BLS credentials that match the mnemonic's withdrawal keys`);
    }

    if (out !== undefined) {
      const doc = changes.map((c) =>
        vc.blsChangeToJson(c, {networkName: networkName ?? "custom", genesisValidatorsRoot: gvr}),
      );
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
      renameSync(tmp, out);
      console.log(`Wrote ${changes.length} signed BLS-to-execution change(s) to ${out}`);
    } else if (api !== undefined) {
      try {
        await api.submitPoolBLSToExecutionChange({
          changes: changes.map((c) => ({message: c.message, signature: c.signature})),
        });
      } catch (e) {
        throw new Error(`the beacon node refused the change(s): ${(e as Error).message}`);
      }
      console.log(`Submitted ${changes.length} BLS-to-execution change(s) to ${values["beacon-node"]}`);
    }
    for (const c of changes) {
      console.log(
        `  validator ${c.message.validatorIndex}: withdrawal key m/12381/3600/${c.keyIndex}/0 ${toHex(c.message.fromBlsPubkey)} → ${toHex(address)}`,
      );
    }
    return 0;
  },
};
