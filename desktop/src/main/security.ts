/** Electron window hardening, kept free of Electron imports so it is unit-testable. */

/** Links the app may open in the system browser (exact origins, https only). */
export const EXTERNAL_ALLOWLIST: readonly string[] = [
  "https://launchpad.ethereum.org",
  "https://hoodi.launchpad.ethereum.org",
  "https://sepolia.launchpad.ethereum.org",
  "https://github.com",
];

export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" && u.username === "" && u.password === "" && EXTERNAL_ALLOWLIST.includes(u.origin);
  } catch {
    return false;
  }
}

/** An IPC sender is trusted only when its frame shows the app's own origin (the loopback UI server). */
export function isTrustedSender(frameUrl: string | undefined | null, appOrigin: string): boolean {
  if (typeof frameUrl !== "string") return false;
  try {
    return new URL(frameUrl).origin === appOrigin;
  } catch {
    return false;
  }
}

export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const;
