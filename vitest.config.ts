import {defineConfig} from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "spec-tests/test/**/*.test.ts",
      "cli/test/**/*.test.ts",
      "beacon-node/test/**/*.test.ts",
      "keymanager/test/**/*.test.ts",
      "slashing-protection/test/**/*.test.ts",
      "validator-client/test/**/*.test.ts",
      "test/**/*.test.ts",
      "fuzz/**/*.test.ts",
      "desktop/test/*.test.ts",
    ],
    pool: "forks",
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
