/** Helpers of the browser suite: `ceibo ui` as a real child, Chromium via playwright-core, axe, screenshots. */
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {type Browser, chromium, type Page} from "playwright-core";
import {ceibo, type Proc} from "../../../test/harness/processes.ts";

export const DESKTOP = resolve(import.meta.dirname, "..", "..");
export const RESULTS = join(DESKTOP, "test-results");
export const CHROMIUM = "/usr/bin/chromium";

export interface Ui {
  proc: Proc;
  /** The printed URL with its token. */
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startUi(label: string): Promise<Ui> {
  const dataDir = mkdtempSync(join(tmpdir(), `ceibo-ui-${label}-`));
  const proc = ceibo(`ui-${label}`, ["ui", "--port", "0", "--data-dir", dataDir, "--keystore-kdf", "pbkdf2"]);
  const m = await proc.waitFor(/ceibo ui: open (http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]+)/, 120_000);
  const origin = m[1];
  const token = m[2];
  return {
    proc,
    url: `${origin}/?token=${token}`,
    origin,
    token,
    dataDir,
    async stop() {
      const tree = descendants(proc.child.pid ?? -1);
      await proc.kill("SIGTERM", 30_000);
      for (const pid of tree) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone (the host stopped its children)
        }
      }
      rmSync(dataDir, {recursive: true, force: true});
    },
  };
}

/** Every live process below `pid` (from /proc/<pid>/stat's ppid). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(d), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of parent) {
      if (pp === p) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

export async function launch(): Promise<{browser: Browser; userDataDir: string}> {
  const userDataDir = mkdtempSync(join(tmpdir(), "ceibo-chromium-"));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // a fresh profile: playwright-core creates a new temporary --user-data-dir for every launch()
      // (it refuses the flag here); `userDataDir` is kept for downloads/artifacts and removed afterwards
    ],
    artifactsDir: userDataDir,
    timeout: 120_000,
  });
  return {browser, userDataDir};
}

const AXE_SOURCE = readFileSync(join(DESKTOP, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: {target: string[]; failureSummary?: string}[];
}

/** axe-core in the page (evaluated over CDP: the page's CSP forbids injected script tags). */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const res = (await page.evaluate(
    `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))})))`,
  )) as AxeViolation[];
  return res;
}

export function seriousOrWorse(v: AxeViolation[]): AxeViolation[] {
  return v.filter((x) => x.impact === "serious" || x.impact === "critical");
}

export async function shot(page: Page, name: string, mask: string[] = []): Promise<string> {
  mkdirSync(RESULTS, {recursive: true});
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({path, fullPage: true, mask: mask.map((s) => page.locator(s)), animations: "disabled"});
  return path;
}

/** Presses Tab (at most `max` times) until the focused element matches `selector`. */
export async function tabTo(page: Page, selector: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) === true, selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`keyboard: ${selector} not reached with ${max} Tab presses`);
}

/** Every file below `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle, "utf8");
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(bytes)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}
