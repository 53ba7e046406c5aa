import {readFileSync} from "node:fs";
import {BeaconConfig, type ChainConfig, chainConfigFromYaml, getNetwork, NETWORK_NAMES} from "@ceibo/config";
import {fromHex, toHex} from "@ceibo/utils";
import type {Command} from "../command.ts";
import {COMMON_HELP, type OptionTable, parseCommandOptions} from "../options.ts";

const HELP = `Usage: ceibo info [--network NAME | --config-file FILE] [--genesis-validators-root 0x…] [--json]

Prints a network's chain configuration and fork schedule: every fork with its activation epoch, fork
version and fork digest (including fulu's blob-parameter-only forks), so you can check what a node
on that network will gossip and sign with.

Options:
  --network NAME                  one of: ${NETWORK_NAMES.join(", ")} (default: dev)
  --config-file FILE              a consensus-specs style config.yaml instead of a built-in network
  --genesis-validators-root ROOT  needed for fork digests of a network without a known genesis
                                  (default for dev: 32 zero bytes, until a dev genesis exists)
  --json                          machine-readable output
${COMMON_HELP}`;

function formatEpoch(epoch: number): string {
  return Number.isFinite(epoch) ? String(epoch) : "never (2**64-1)";
}

/** Every option of `ceibo info` (parseArgs shape). */
export const INFO_OPTIONS = {
  network: {type: "string"},
  "config-file": {type: "string"},
  "genesis-validators-root": {type: "string"},
  json: {type: "boolean", default: false},
} as const satisfies OptionTable;

export const infoCommand: Command = {
  summary: "show a network's config and fork schedule (versions, epochs, fork digests)",
  async run(argv) {
    const values = parseCommandOptions(argv, INFO_OPTIONS, {command: "info", help: HELP});
    if (values === null) return 0;
    if (values.network !== undefined && values["config-file"] !== undefined) {
      throw Error("give either --network or --config-file, not both");
    }
    let chain: ChainConfig;
    let gvr: Uint8Array | undefined;
    if (values["config-file"] !== undefined) {
      chain = chainConfigFromYaml(readFileSync(values["config-file"], "utf8")).config;
    } else {
      const network = getNetwork(values.network ?? "dev");
      chain = network.chainConfig;
      gvr = network.genesis?.genesisValidatorsRoot;
    }
    if (values["genesis-validators-root"] !== undefined) {
      gvr = fromHex(values["genesis-validators-root"]);
      if (gvr.length !== 32) throw Error("--genesis-validators-root must be 32 bytes of 0x-hex");
    }
    const root = gvr ?? new Uint8Array(32);
    const config = new BeaconConfig(chain, root);
    const forks = config.forks.map((f) => ({
      fork: f.name,
      epoch: f.epoch,
      version: toHex(f.version),
      // A fork scheduled at the same epoch as a later one is never active, so it has no digest on the network.
      active: Number.isFinite(f.epoch) && config.getForkNameAtEpoch(f.epoch) === f.name,
      digest:
        Number.isFinite(f.epoch) && config.getForkNameAtEpoch(f.epoch) === f.name
          ? toHex(config.computeForkDigest(f.epoch))
          : null,
    }));
    const blobForks = chain.BLOB_SCHEDULE.map((b) => ({
      epoch: b.EPOCH,
      maxBlobsPerBlock: b.MAX_BLOBS_PER_BLOCK,
      digest: b.EPOCH >= chain.FULU_FORK_EPOCH ? toHex(config.computeForkDigest(b.EPOCH)) : null,
    }));
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            network: chain.CONFIG_NAME,
            preset: chain.PRESET_BASE,
            genesisValidatorsRoot: toHex(root),
            slotDurationMs: chain.SLOT_DURATION_MS,
            forks: forks.map((f) => ({...f, epoch: Number.isFinite(f.epoch) ? f.epoch : null})),
            blobSchedule: blobForks,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    console.log(`network ${chain.CONFIG_NAME} (preset ${chain.PRESET_BASE}), slot ${chain.SLOT_DURATION_MS} ms`);
    console.log(`genesis_validators_root ${toHex(root)}${gvr === undefined ? " (placeholder: no known genesis)" : ""}`);
    console.log("");
    console.log("fork       epoch            version     digest");
    for (const f of forks) {
      const note = Number.isFinite(f.epoch) && !f.active ? "- (superseded at the same epoch)" : "-";
      console.log(`${f.fork.padEnd(10)} ${formatEpoch(f.epoch).padEnd(16)} ${f.version}  ${f.digest ?? note}`);
    }
    if (blobForks.length > 0) {
      console.log("");
      console.log("blob-parameter forks (EIP-7892)");
      for (const b of blobForks) {
        console.log(
          `  epoch ${String(b.epoch).padEnd(10)} max blobs ${String(b.maxBlobsPerBlock).padEnd(4)} digest ${b.digest ?? "-"}`,
        );
      }
    }
    return 0;
  },
};
