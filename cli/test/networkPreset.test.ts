import {networks} from "@ceibo/config";
import {describe, expect, it} from "vitest";
import {applyNetworkPreset, networkArg, PUBLIC_NETWORK_PRESETS} from "../src/networkPreset.ts";

describe("the preset follows the network (set by bin/ceibo.js before any module loads)", () => {
  it("its table equals the built-in networks' PRESET_BASE", () => {
    expect(Object.keys(PUBLIC_NETWORK_PRESETS).sort()).toEqual(["hoodi", "mainnet", "sepolia"]);
    for (const [name, preset] of Object.entries(PUBLIC_NETWORK_PRESETS)) {
      expect(networks[name as "hoodi"].chainConfig.PRESET_BASE, name).toBe(preset);
    }
  });

  it("finds --network in both spellings, the last one winning, nothing after --", () => {
    expect(networkArg(["--dataDir", "x", "--network", "hoodi"])).toBe("hoodi");
    expect(networkArg(["--network=sepolia"])).toBe("sepolia");
    expect(networkArg(["--network", "dev", "--network", "mainnet"])).toBe("mainnet");
    expect(networkArg(["--", "--network", "hoodi"])).toBeUndefined();
    expect(networkArg(["--network"])).toBeUndefined();
  });

  it("sets CEIBO_PRESET for beacon on a public network, refuses a contradicting one, leaves the rest alone", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(applyNetworkPreset(["beacon", "--network", "hoodi"], env)).toBeNull();
    expect(env.CEIBO_PRESET).toBe("mainnet");
    const same: NodeJS.ProcessEnv = {CEIBO_PRESET: "mainnet"};
    expect(applyNetworkPreset(["beacon", "--network=mainnet"], same)).toBeNull();
    const empty: NodeJS.ProcessEnv = {CEIBO_PRESET: ""};
    expect(applyNetworkPreset(["beacon", "--network", "sepolia"], empty)).toBeNull();
    expect(empty.CEIBO_PRESET).toBe("mainnet");
    const minimal: NodeJS.ProcessEnv = {CEIBO_PRESET: "minimal"};
    expect(applyNetworkPreset(["beacon", "--network", "sepolia"], minimal)).toBe(
      "CEIBO_PRESET=minimal contradicts --network sepolia, which runs the mainnet preset (the preset follows the network: unset CEIBO_PRESET)",
    );
    expect(minimal.CEIBO_PRESET).toBe("minimal");
    for (const argv of [
      ["beacon", "--network", "dev"],
      ["beacon", "--network", "custom"],
      ["info", "--network", "hoodi"],
      ["validator"],
    ]) {
      const untouched: NodeJS.ProcessEnv = {CEIBO_PRESET: "minimal"};
      expect(applyNetworkPreset(argv, untouched), argv.join(" ")).toBeNull();
      expect(untouched.CEIBO_PRESET).toBe("minimal");
    }
  });
});
