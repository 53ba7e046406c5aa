/**
 * The preset follows the network. Preset constants size the SSZ types when @ceibo/params is first imported
 * (CEIBO_PRESET, read once per process), so bin/ceibo.js calls this BEFORE loading any @ceibo module: for
 * `ceibo beacon --network mainnet|hoodi|sepolia` it sets CEIBO_PRESET to the network's preset, and refuses a
 * CEIBO_PRESET that contradicts it. This file imports nothing of ceibo (a test checks the table against
 * @ceibo/config's networks).
 */

/** PRESET_BASE of the public networks' configs. */
export const PUBLIC_NETWORK_PRESETS: Readonly<Record<string, "mainnet" | "minimal">> = {
  mainnet: "mainnet",
  hoodi: "mainnet",
  sepolia: "mainnet",
};

/** The value of `--network` in a command's arguments (`--network X` or `--network=X`), if given. */
export function networkArg(args: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    if (a === "--network" && i + 1 < args.length) found = args[++i];
    else if (a.startsWith("--network=")) found = a.slice("--network=".length);
  }
  return found;
}

/**
 * For `beacon --network <public network>`: sets env.CEIBO_PRESET to the network's preset (returns null), or
 * returns the error line when CEIBO_PRESET says otherwise. Other commands and networks: env untouched.
 */
export function applyNetworkPreset(argv: readonly string[], env: NodeJS.ProcessEnv): string | null {
  const [command, ...rest] = argv;
  if (command !== "beacon") return null;
  const network = networkArg(rest);
  if (network === undefined) return null;
  const preset = PUBLIC_NETWORK_PRESETS[network];
  if (preset === undefined) return null;
  const fromEnv = env.CEIBO_PRESET;
  if (fromEnv !== undefined && fromEnv !== "" && fromEnv !== preset) {
    return (
      `CEIBO_PRESET=${fromEnv} contradicts --network ${network}, which runs the ${preset} preset ` +
      "(the preset follows the network: unset CEIBO_PRESET)"
    );
  }
  env.CEIBO_PRESET = preset;
  return null;
}
