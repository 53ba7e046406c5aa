/** The built renderer (vite output) served from one folder; built on first run when missing. */
import {spawnSync} from "node:child_process";
import {existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync} from "node:fs";
import {dirname, extname, join, normalize, resolve, sep} from "node:path";

export const DESKTOP_DIR = resolve(import.meta.dirname, "../..");
export const RENDERER_DIST = join(DESKTOP_DIR, "dist", "renderer");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Builds the renderer with vite when `dir/index.html` is missing (a fresh clone); prints one line. Several
 * processes may do this at once (parallel tests): each builds into its own temp dir and renames it into
 * place; the first rename wins and the others drop theirs.
 */
export function ensureRendererBuilt(dir: string = RENDERER_DIST, log: (s: string) => void = console.log): void {
  if (existsSync(join(dir, "index.html"))) return;
  const config = join(DESKTOP_DIR, "src", "renderer", "vite.config.ts");
  if (!existsSync(config)) throw new Error(`the renderer is not built (${dir}) and ${config} is missing`);
  log(`Building the desktop UI (first run) into ${dir} …`);
  mkdirSync(dirname(dir), {recursive: true});
  const tmp = mkdtempSync(`${dir}.build-`);
  try {
    const vite = resolve(DESKTOP_DIR, "..", "node_modules", "vite", "bin", "vite.js");
    const r = spawnSync(
      process.execPath,
      [vite, "build", "--config", config, "--outDir", tmp, "--emptyOutDir", "--logLevel", "warn"],
      {cwd: DESKTOP_DIR, stdio: ["ignore", "inherit", "inherit"]},
    );
    if (r.status !== 0 || !existsSync(join(tmp, "index.html"))) {
      throw new Error(`building the desktop UI failed (vite exited ${r.status ?? r.signal})`);
    }
    if (!existsSync(join(dir, "index.html"))) {
      rmSync(dir, {recursive: true, force: true});
      try {
        renameSync(tmp, dir);
      } catch (e) {
        if (!existsSync(join(dir, "index.html"))) throw e;
      }
    }
  } finally {
    rmSync(tmp, {recursive: true, force: true});
  }
}

/** Resolves a URL path inside `root`; null for anything outside it or missing. */
export function staticFile(root: string, urlPath: string): {body: Buffer; type: string} | null {
  let p: string;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes("\0")) return null;
  if (p === "/" || p === "") p = "/index.html";
  const file = normalize(join(root, p));
  if (!file.startsWith(root + sep)) return null;
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  return {body: readFileSync(file), type: TYPES[extname(file)] ?? "application/octet-stream"};
}
