import {defineConfig} from "vitest/config";

/** The browser suite only (`npm run test:desktop`); the root config leaves desktop/test/browser out. */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
