import {type Channel, type HostHandlers, isChannel} from "../shared/contract.ts";
import {HostError} from "./errors.ts";

/** Calls the handler of a channel named by an untrusted caller; unknown names are refused. */
export async function dispatch(handlers: HostHandlers, channel: string, req: unknown): Promise<unknown> {
  if (!isChannel(channel)) throw new HostError("UNKNOWN_CHANNEL", `unknown channel "${channel.slice(0, 64)}"`);
  const handler = handlers[channel] as (r: unknown) => Promise<unknown>;
  return await handler(req as Parameters<HostHandlers[Channel]>[0]);
}

/** The error body that crosses the boundary: a HostError's code + message, anything else INTERNAL. */
export function errorBody(e: unknown): {status: number; body: {error: {code: HostError["code"]; message: string}}} {
  if (e instanceof HostError) {
    const status = e.code === "UNAUTHORIZED" ? 401 : e.code === "FORBIDDEN" ? 403 : e.code === "INTERNAL" ? 500 : 400;
    return {status, body: {error: {code: e.code, message: e.message}}};
  }
  return {status: 500, body: {error: {code: "INTERNAL", message: (e as Error)?.message ?? String(e)}}};
}
