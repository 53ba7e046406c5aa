#!/usr/bin/env node
// Entry point of the `ceibo` command. Needs Node >= 24 (installed by `npm install` into node_modules/.bin,
// which npm scripts and npx put first on PATH).
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(
    `ceibo needs Node.js 24 or newer; this is ${process.version}.\n` +
      "Run it through npm (npx ceibo …, npm start) so the Node 24 installed in node_modules/.bin is used.",
  );
  process.exit(1);
}
// The preset follows a public network (`ceibo beacon --network hoodi`): set before any @ceibo module loads.
const {applyNetworkPreset} = await import("../src/networkPreset.ts");
const presetError = applyNetworkPreset(process.argv.slice(2), process.env);
if (presetError !== null) {
  console.error(`ceibo ${process.argv[2]}: ${presetError}`);
  process.exit(1);
}
const {main} = await import("../src/index.ts");
process.exitCode = await main(process.argv.slice(2));
