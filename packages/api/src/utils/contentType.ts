import type {Format} from "./route.ts";

const JSON_TYPE = "application/json";
const SSZ_TYPE = "application/octet-stream";

/**
 * Picks the response format from an Accept header (RFC 9110 media ranges with q-values): JSON unless SSZ is
 * supported and preferred. `null` when nothing acceptable can be produced (→ 406). No header means JSON.
 */
export function chooseResponseFormat(accept: string | undefined, sszSupported: boolean): Format | null {
  if (accept === undefined || accept.trim() === "") return "json";
  let jsonQ = 0;
  let sszQ = 0;
  for (const part of accept.split(",")) {
    const [range, ...params] = part.trim().toLowerCase().split(";");
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k === "q") {
        const n = Number(v);
        q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
      }
    }
    const r = range.trim();
    if (r === JSON_TYPE || r === "application/*" || r === "*/*") jsonQ = Math.max(jsonQ, q);
    if (r === SSZ_TYPE || r === "application/*" || r === "*/*") sszQ = Math.max(sszQ, q);
  }
  if (sszSupported && sszQ > jsonQ) return "ssz";
  if (jsonQ > 0) return "json";
  if (sszSupported && sszQ > 0) return "ssz";
  return null;
}

export function isSszContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.toLowerCase().split(";")[0].trim() === SSZ_TYPE;
}

export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.toLowerCase().split(";")[0].trim() === JSON_TYPE;
}

export const ACCEPT_SSZ = `${SSZ_TYPE};q=1.0,${JSON_TYPE};q=0.9`;
export {JSON_TYPE, SSZ_TYPE};
