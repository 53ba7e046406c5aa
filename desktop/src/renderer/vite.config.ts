import {join} from "node:path";
import react from "@vitejs/plugin-react";
import {defineConfig} from "vite";

/** The renderer: built into desktop/dist/renderer, served by `ceibo ui` (and loaded by Electron). */
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  plugins: [react()],
  build: {
    outDir: join(import.meta.dirname, "..", "..", "dist", "renderer"),
    emptyOutDir: true,
    // CSP script-src 'self': no inline scripts, no module preload polyfill.
    modulePreload: {polyfill: false},
    assetsInlineLimit: 0,
  },
});
