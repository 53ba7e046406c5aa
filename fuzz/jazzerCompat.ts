/**
 * Makes Jazzer.js's native fuzzer load on Debian 12 class machines (glibc 2.36, libstdc++ of GCC 12).
 *
 * @jazzer.js/fuzzer 4.0.0 ships one linux-x64 prebuild (`prebuilds/fuzzer-linux-x64.node`, libFuzzer + N-API glue)
 * linked on a newer system. dlopen refuses it here for exactly three imports:
 *   __isoc23_strtol, __isoc23_strtoul (GLIBC_2.38)   — C23 strtol/strtoul: identical except that they also accept
 *                                                       "0b" prefixes (libFuzzer uses them for its flag values)
 *   std::ios_base_library_init() (GLIBCXX_3.4.32)      — GCC 13's one-time iostream init, which older libstdc++
 *                                                       does from std::ios_base::Init::Init() (Node, linked to
 *                                                       the same libstdc++, has already run it)
 * `patchJazzerAddon` rewrites those three dynamic-symbol imports (names and version needs, in the ELF .dynstr /
 * .dynsym / .gnu.version_r sections, nothing else) to strtol, strtoul and ios_base::Init::Init() of the versions
 * this system has, keeping the original next to it (`.orig`). It runs only when loading fails with those version
 * errors, and the result is loaded in a child process before use. Without it: the fallback engine (mutate.ts).
 */
import {spawnSync} from "node:child_process";
import {copyFileSync, existsSync, readFileSync, writeFileSync} from "node:fs";
import {createRequire} from "node:module";
import {dirname, join} from "node:path";

export function jazzerAddonPath(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve("@jazzer.js/fuzzer/package.json");
    return join(dirname(pkg), "prebuilds", `fuzzer-${process.platform}-${process.arch}.node`);
  } catch {
    return null;
  }
}

/** Loads the addon in a child process: null when it loads, else the loader's error. */
export function tryLoadAddon(path: string): string | null {
  const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(path)})`], {encoding: "utf8"});
  return r.status === 0 ? null : (r.stderr.split("\n").find((l) => l.includes("Error")) ?? r.stderr).trim();
}

function elfHash(s: string): number {
  let h = 0;
  for (const c of Buffer.from(s, "latin1")) {
    h = ((h << 4) + c) >>> 0;
    const g = h & 0xf0000000;
    if (g !== 0) h ^= g >>> 24;
    h = (h & ~g) >>> 0;
  }
  return h >>> 0;
}

/** Rewrites the three imports (see the file comment) of an ELF64 little-endian shared object. */
export function patchJazzerAddon(bytes: Buffer): Buffer {
  const b = Buffer.from(bytes);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) throw Error("not an ELF64 little-endian file");
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const secs = Array.from({length: shnum}, (_, i) => {
    const o = shoff + i * shentsize;
    return {
      type: b.readUInt32LE(o + 4),
      offset: Number(b.readBigUInt64LE(o + 0x18)),
      size: Number(b.readBigUInt64LE(o + 0x20)),
      link: b.readUInt32LE(o + 0x28),
      entsize: Number(b.readBigUInt64LE(o + 0x38)),
    };
  });
  const dynsym = secs.find((s) => s.type === 11 /* SHT_DYNSYM */);
  const verneed = secs.find((s) => s.type === 0x6ffffffe /* SHT_GNU_verneed */);
  if (dynsym === undefined || verneed === undefined) throw Error("no .dynsym / .gnu.version_r");
  const dynstr = secs[dynsym.link];
  const strAt = (off: number): string => {
    let e = dynstr.offset + off;
    while (b[e] !== 0) e++;
    return b.toString("latin1", dynstr.offset + off, e);
  };
  /** Offset in .dynstr of a string equal to `s` (a whole string or the tail of one). */
  const findStr = (s: string): number => {
    const i = b.indexOf(Buffer.from(`${s}\0`, "latin1"), dynstr.offset);
    if (i < 0 || i >= dynstr.offset + dynstr.size) throw Error(`"${s}" is not in .dynstr`);
    return i - dynstr.offset;
  };
  // std::ios_base_library_init() → std::ios_base::Init::Init(): the shorter name written over the longer one
  const oldInit = "_ZSt21ios_base_library_initv";
  const newInit = "_ZNSt8ios_base4InitC1Ev";
  const at = b.indexOf(Buffer.from(`\0${oldInit}\0`, "latin1"), dynstr.offset);
  if (at >= 0 && at < dynstr.offset + dynstr.size) {
    b.fill(0, at + 1, at + 1 + oldInit.length);
    b.write(newInit, at + 1, "latin1");
  }
  // C23 strtol / strtoul → the classic ones (their names are tails of the C23 names in .dynstr)
  const renames: Record<string, string> = {__isoc23_strtol: "strtol", __isoc23_strtoul: "strtoul"};
  for (let o = dynsym.offset; o < dynsym.offset + dynsym.size; o += dynsym.entsize) {
    const to = renames[strAt(b.readUInt32LE(o))];
    if (to !== undefined) b.writeUInt32LE(findStr(to), o);
  }
  // the version needs: GLIBC_2.38 → GLIBC_2.2.5, GLIBCXX_3.4.32 → GLIBCXX_3.4
  const versions: Record<string, string> = {"GLIBC_2.38": "GLIBC_2.2.5", "GLIBCXX_3.4.32": "GLIBCXX_3.4"};
  let vn = verneed.offset;
  for (;;) {
    const cnt = b.readUInt16LE(vn + 2);
    let aux = vn + b.readUInt32LE(vn + 8);
    for (let i = 0; i < cnt; i++) {
      const to = versions[strAt(b.readUInt32LE(aux + 8))];
      if (to !== undefined) {
        b.writeUInt32LE(elfHash(to), aux);
        b.writeUInt32LE(findStr(to), aux + 8);
      }
      const next = b.readUInt32LE(aux + 12);
      if (next === 0) break;
      aux += next;
    }
    const next = b.readUInt32LE(vn + 12);
    if (next === 0) break;
    vn += next;
  }
  return b;
}

/**
 * Null when Jazzer.js's addon loads (patching it first if it fails for the known version needs only), else why
 * it cannot be used.
 */
export function ensureJazzer(log: (msg: string) => void): string | null {
  const path = jazzerAddonPath();
  if (path === null || !existsSync(path)) return "@jazzer.js/fuzzer has no prebuild for this platform";
  const err = tryLoadAddon(path);
  if (err === null) return null;
  if (!/GLIBC_2\.38|GLIBCXX_3\.4\.32/.test(err)) return err;
  log(`jazzer: ${err.slice(0, 160)}; rewriting its three newer-libc imports (fuzz/jazzerCompat.ts)`);
  const orig = `${path}.orig`;
  if (!existsSync(orig)) copyFileSync(path, orig);
  writeFileSync(path, patchJazzerAddon(readFileSync(orig)));
  const again = tryLoadAddon(path);
  if (again !== null) {
    copyFileSync(orig, path);
    return `still not loadable after the rewrite: ${again}`;
  }
  return null;
}
