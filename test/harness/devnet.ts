/**
 * Multi-node dev networks for the simulations: `ceibo beacon --network dev --p2p true` nodes on one genesis (same
 * genesis time, validator count and slot time) and `ceibo validator` clients, each a separate process on
 * 127.0.0.1 with its log in the run directory; plus the Beacon API reads the simulations share.
 */
import {join} from "node:path";
import {ceibo, freePort, getJson, head, type Proc, until} from "./processes.ts";

export interface DevNetOpts {
  /** Run directory: data dirs and logs. */
  dir: string;
  validators: number;
  slotMs: number;
  genesisTime: number;
  /** Arguments every beacon node gets (e.g. --dev.blobs-per-block 1). */
  beaconArgs?: string[];
  env?: Record<string, string>;
}

export interface DevNetNode {
  name: string;
  bn: Proc;
  api: string;
  port: number;
}

export class DevNet {
  readonly opts: DevNetOpts;
  /** Every process started, in order. */
  readonly procs: Proc[] = [];

  constructor(opts: DevNetOpts) {
    this.opts = opts;
  }

  /** Starts a beacon node (own REST and p2p ports) and resolves once its Beacon API listens. */
  async startBeacon(name: string, extra: string[] = []): Promise<DevNetNode> {
    const {dir, validators, slotMs, genesisTime} = this.opts;
    const restPort = await freePort();
    const port = await freePort();
    const bn = ceibo(
      name,
      [
        "beacon",
        "--network",
        "dev",
        "--data-dir",
        join(dir, name),
        "--dev.validators",
        String(validators),
        "--dev.genesis-time",
        String(genesisTime),
        "--dev.slot-duration-ms",
        String(slotMs),
        "--dev.signing",
        "false",
        "--rest.port",
        String(restPort),
        "--p2p",
        "true",
        "--listen-address",
        "127.0.0.1",
        "--port",
        String(port),
        "--discovery-port",
        String(port),
        "--target-peers",
        "10",
        ...(this.opts.beaconArgs ?? []),
        ...extra,
      ],
      {CEIBO_PRESET: "minimal", ...this.opts.env},
      {logFile: join(dir, `${name}.log`)},
    );
    this.procs.push(bn);
    const api = `http://127.0.0.1:${restPort}`;
    await bn.waitFor(/Beacon API listening/, 120_000);
    return {name, bn, api, port};
  }

  /** A validator client on `api` with the interop keys from..to (no doppelganger wait: a fresh chain). */
  startValidator(name: string, api: string, from: number, to: number, extra: string[] = []): Proc {
    const vc = ceibo(
      `${name}-vc`,
      [
        "validator",
        "--beacon-nodes",
        api,
        "--interop-indexes",
        `${from}..${to}`,
        "--data-dir",
        join(this.opts.dir, `${name}-vc`),
        "--doppelganger-protection",
        "false",
        ...extra,
      ],
      {CEIBO_PRESET: "minimal", ...this.opts.env},
      {logFile: join(this.opts.dir, `${name}-vc.log`)},
    );
    this.procs.push(vc);
    return vc;
  }

  /** Polls `fn` while every process (except the `exempt` ones) must keep running. */
  until<T>(
    what: string,
    timeoutMs: number,
    fn: () => Promise<T | null | undefined | false>,
    exempt: string[] = [],
  ): Promise<T> {
    return until(what, timeoutMs, fn, () => this.procs.filter((p) => !exempt.includes(p.name)));
  }

  /** SIGTERM to every process (SIGKILL after the grace); resolves with how long the shutdown took. */
  async stop(graceMs = 15_000): Promise<number> {
    const t = Date.now();
    await Promise.all(this.procs.map((p) => p.kill("SIGTERM", graceMs)));
    return Date.now() - t;
  }
}

export interface IdentityJson {
  peer_id: string;
  enr: string;
  p2p_addresses: string[];
  metadata: {custody_group_count?: string};
}

export async function identity(api: string): Promise<IdentityJson> {
  return (await getJson<{data: IdentityJson}>(`${api}/eth/v1/node/identity`)).data;
}

export async function connectedPeers(api: string): Promise<string[]> {
  const r = await getJson<{data: {peer_id: string}[]}>(`${api}/eth/v1/node/peers?state=connected`);
  return r.data.map((p) => p.peer_id);
}

/** The common head of all nodes, or null while they disagree. */
export async function sameHead(apis: string[]): Promise<{root: string; slot: number} | null> {
  const heads = await Promise.all(apis.map((a) => head(a)));
  return heads.every((h) => h.root === heads[0].root) ? heads[0] : null;
}
