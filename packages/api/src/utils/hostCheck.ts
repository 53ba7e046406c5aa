import {isIP} from "node:net";

/**
 * DNS-rebinding protection for a local HTTP API: a browser page on attacker.example whose name was re-pointed to
 * 127.0.0.1 sends `Host: attacker.example`, so a request is served only when its Host names this machine the way
 * a local client does — an IP address literal (v4, or v6 in brackets: a page at an IP cannot be rebound),
 * `localhost`, or a name the operator allowed (`*` allows every name). A request without a Host header (HTTP/1.0,
 * non-browser tools) is served.
 */
export function isAllowedHost(hostHeader: string | undefined, allowedNames: readonly string[] = []): boolean {
  if (hostHeader === undefined || hostHeader === "") return true;
  const host = hostNameOf(hostHeader);
  if (host === null) return false;
  if (host === "localhost" || isIP(host) !== 0) return true;
  return allowedNames.some((n) => n === "*" || n.toLowerCase() === host);
}

/** The lower-cased name or address of a Host header without the port (`[::1]:5052` → `::1`); null if malformed. */
function hostNameOf(header: string): string | null {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    if (end < 0) return null;
    const rest = h.slice(end + 1);
    if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return null;
    return h.slice(1, end);
  }
  const m = /^([^:]+)(?::\d{1,5})?$/.exec(h);
  return m === null ? null : m[1].replace(/\.$/, "");
}

/** The 403 message for a refused Host. */
export function hostRefusedMessage(hostHeader: string): string {
  return (
    `Host "${hostHeader}" is not allowed: this API answers requests addressed to localhost, an IP address or a ` +
    "configured host name (DNS rebinding protection)"
  );
}
