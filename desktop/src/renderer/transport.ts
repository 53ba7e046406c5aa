/**
 * The renderer's ONE way to reach the host: `HostTransport`. In Electron the preload exposes it as
 * `window.ceibo`; in browser mode (`ceibo ui`) it is HTTP on the same origin (session cookie).
 */
import {
  type Channel,
  type HostErrorBody,
  type HostEvent,
  type HostTransport,
  HTTP_PATHS,
  type PreloadBridge,
  type Req,
  type Res,
} from "../shared/contract.ts";

export class HostError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

function httpTransport(origin: string): HostTransport {
  const listeners = new Set<(e: HostEvent) => void>();
  let source: EventSource | null = null;
  const ensureSource = (): void => {
    if (source !== null) return;
    source = new EventSource(`${origin}${HTTP_PATHS.events}`);
    source.onmessage = (m) => {
      let e: HostEvent;
      try {
        e = JSON.parse(m.data as string) as HostEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(e);
    };
  };
  return {
    async call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> {
      const r = await fetch(`${origin}${HTTP_PATHS.rpc}${channel}`, {
        method: "POST",
        headers: {"content-type": "application/json"},
        body: JSON.stringify(req),
        credentials: "same-origin",
      });
      const body = (await r.json().catch(() => null)) as unknown;
      if (!r.ok) {
        const err = (body as HostErrorBody | null)?.error;
        throw new HostError(err?.code ?? "INTERNAL", err?.message ?? `HTTP ${r.status}`);
      }
      return body as Res<C>;
    },
    onEvent(listener) {
      listeners.add(listener);
      ensureSource();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source !== null) {
          source.close();
          source = null;
        }
      };
    },
    beaconBaseUrl: () => `${origin}${HTTP_PATHS.beacon}`,
  };
}

declare global {
  interface Window {
    /** Electron's preload bridge (absent in a browser). */
    ceibo?: PreloadBridge;
  }
}

/** Electron: calls and events over the preload bridge; the Beacon API proxy is the same loopback server. */
function bridgeTransport(bridge: PreloadBridge, origin: string): HostTransport {
  return {
    call: (channel, req) => bridge.call(channel, req),
    onEvent: (listener) => bridge.onEvent(listener),
    beaconBaseUrl: () => `${origin}${HTTP_PATHS.beacon}`,
  };
}

export const transport: HostTransport =
  window.ceibo !== undefined
    ? bridgeTransport(window.ceibo, window.location.origin)
    : httpTransport(window.location.origin);
