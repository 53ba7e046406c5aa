import {readFileSync} from "node:fs";
import type {Command} from "./command.ts";
import {beaconCommand} from "./commands/beacon.ts";
import {devCommand} from "./commands/dev.ts";
import {infoCommand} from "./commands/info.ts";
import {keysCommand} from "./commands/keys.ts";
import {mockEngineCommand} from "./commands/mockEngine.ts";
import {signerCommand} from "./commands/signer.ts";
import {slashingProtectionCommand} from "./commands/slashingProtection.ts";
import {uiCommand} from "./commands/ui.ts";
import {validatorCommand} from "./commands/validator.ts";

const commands: Record<string, Command> = {
  beacon: beaconCommand,
  dev: devCommand,
  info: infoCommand,
  keys: keysCommand,
  "mock-engine": mockEngineCommand,
  "slashing-protection": slashingProtectionCommand,
  signer: signerCommand,
  ui: uiCommand,
  validator: validatorCommand,
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {version: string};
  return pkg.version;
}

function usage(): string {
  const lines = [
    `ceibo ${version()} — an Ethereum consensus client`,
    "",
    "Usage: ceibo <command> [options]",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`),
    "",
    "Options:",
    "  -h, --help     show help (`ceibo <command> --help` for a command's options)",
    "  -v, --version  print the version",
    "",
    "beacon, validator, dev, mock-engine and info also take --config FILE.yaml (options from a YAML file; the",
    "command line wins) and --print-config; beacon and validator take --log-format human|json and --log-file PATH.",
    "",
    "The preset follows --network for mainnet, hoodi and sepolia; otherwise it comes from the environment:",
    "CEIBO_PRESET=minimal for dev chains (default mainnet).",
    "Quick start: `npm start` runs a finalizing dev chain; see README.md.",
  ];
  return lines.join("\n");
}

/** Runs the CLI with the given arguments; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === "-v" || name === "--version") {
    console.log(version());
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`ceibo: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    console.error(`ceibo ${name}: ${(e as Error).message}`);
    return 1;
  }
}
