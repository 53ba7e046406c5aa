/** Browser-mode request checks: Host header, Origin, and the session token (header or cookie). */
import {randomBytes, timingSafeEqual} from "node:crypto";
import type {IncomingMessage} from "node:http";
import {HTTP_PATHS} from "../shared/contract.ts";

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), clipboard-read=()",
  "cache-control": "no-store",
};

export function newToken(): string {
  return randomBytes(32).toString("hex");
}

export function tokenEquals(given: string | undefined, token: string): boolean {
  if (given === undefined || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** DNS-rebinding guard: the Host header must name the loopback address and our port. */
export function hostOk(req: IncomingMessage, port: number): boolean {
  return allowedHosts(port).includes(req.headers.host ?? "");
}

/** A request from a page of another origin is refused (no Origin = not a browser cross-site request). */
export function originOk(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (req.headers["sec-fetch-site"] === "cross-site") return false;
  if (origin === undefined) return true;
  return allowedHosts(port).some((h) => origin === `http://${h}`);
}

export function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === HTTP_PATHS.cookie) return v.join("=");
  }
  return undefined;
}

export function requestToken(req: IncomingMessage): string | undefined {
  const h = req.headers[HTTP_PATHS.tokenHeader];
  if (typeof h === "string") return h;
  return cookieToken(req);
}

export function sessionCookie(token: string): string {
  return `${HTTP_PATHS.cookie}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
