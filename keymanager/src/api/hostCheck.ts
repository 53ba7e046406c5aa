import {isIP} from "node:net";

/**
 * DNS-rebinding protection (the same rule as the Beacon API's): a request is served when its Host header is an IP
 * address literal, `localhost`, or a configured name (`*`: any); a request without Host is served. A web page on
 * attacker.example re-pointed at 127.0.0.1 sends `Host: attacker.example` and is refused.
 */
export function isAllowedHost(hostHeader: string | undefined, allowedNames: readonly string[] = []): boolean {
  if (hostHeader === undefined || hostHeader === "") return true;
  const h = hostHeader.trim().toLowerCase();
  let host: string;
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    if (end < 0 || !/^(:\d{1,5})?$/.test(h.slice(end + 1))) return false;
    host = h.slice(1, end);
  } else {
    const m = /^([^:]+)(?::\d{1,5})?$/.exec(h);
    if (m === null) return false;
    host = m[1].replace(/\.$/, "");
  }
  if (host === "localhost" || isIP(host) !== 0) return true;
  return allowedNames.some((n) => n === "*" || n.toLowerCase() === host);
}

/** Whether a listen address is reachable from this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackAddress(address: string): boolean {
  const a = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return a === "localhost" || a === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
