/**
 * The dashboard: node processes, sync state, head/finalized epoch, peers, execution status, the
 * validators table, a balance chart, the live Beacon API event feed and the log viewer. Reads the
 * Beacon API through the host's proxy; polls every 2 s.
 */
import {type ReactNode, useEffect, useRef, useState} from "react";
import type {ProcessStatus, Settings} from "../../shared/contract.ts";
import {beacon, gweiToEth, type SyncingStatus, type ValidatorEntry} from "../beacon.ts";
import {BalanceChart} from "../components/BalanceChart.tsx";
import {LogViewer} from "../components/LogViewer.tsx";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {transport} from "../transport.ts";

interface Snapshot {
  syncing: SyncingStatus | null;
  peers: number | null;
  finalizedEpoch: number | null;
  justifiedEpoch: number | null;
  validators: ValidatorEntry[];
}

/** Kept as data and translated when shown, so it follows a language switch. */
interface FeedItem {
  id: number;
  topic: "head" | "finalized_checkpoint";
  value: string;
}

const POLL_MS = 2000;
const FEED_MAX = 30;

export function Dashboard({settings, attached}: {settings: Settings; attached: boolean}): ReactNode {
  const t = useT();
  const [processes, setProcesses] = useState<ProcessStatus[]>([]);
  const [beaconApi, setBeaconApi] = useState<string | null>(null);
  const [slotsPerEpoch, setSlotsPerEpoch] = useState<number | null>(null);
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [apiError, setApiError] = useState<string | null>(null);
  const [history, setHistory] = useState<{epoch: number; totalGwei: number}[]>([]);
  const [feed, setFeed] = useState<FeedItem[]>([]);
  const [busy, setBusy] = useState(false);
  const feedId = useRef(0);

  // process status: once, then from host events
  useEffect(() => {
    void transport.call("node.status", {}).then((s) => {
      setProcesses(s.processes);
      setBeaconApi(s.beaconApi);
    });
    return transport.onEvent((e) => {
      if (e.type !== "process") return;
      setProcesses((prev) => [...prev.filter((p) => p.name !== e.status.name), e.status]);
    });
  }, []);

  // polling the Beacon API
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      try {
        const st = await transport.call("node.status", {});
        setBeaconApi(st.beaconApi);
        if (st.beaconApi !== null) {
          let spe = slotsPerEpoch;
          if (spe === null) {
            spe = Number((await beacon.spec()).SLOTS_PER_EPOCH);
            setSlotsPerEpoch(spe);
          }
          const [syncing, peers, fin] = await Promise.all([beacon.syncing(), beacon.peerCount(), beacon.finality()]);
          // our keystores' validators; on a dev chain without our keystores (attached to `ceibo dev`), all of them
          const {pubkeys} = await transport.call("keys.list", {});
          const validators =
            pubkeys.length > 0
              ? await beacon.validators(pubkeys)
              : settings.network === "dev"
                ? await beacon.validators([])
                : [];
          const headEpoch = Math.floor(Number(syncing.head_slot) / spe);
          const totalGwei = validators.reduce((a, v) => a + Number(v.balance), 0);
          setSnap({
            syncing,
            peers: Number(peers.connected),
            finalizedEpoch: Number(fin.finalized.epoch),
            justifiedEpoch: Number(fin.current_justified.epoch),
            validators,
          });
          if (validators.length > 0) {
            setHistory((h) =>
              h.length > 0 && h[h.length - 1].epoch === headEpoch
                ? [...h.slice(0, -1), {epoch: headEpoch, totalGwei}]
                : [...h, {epoch: headEpoch, totalGwei}].slice(-64),
            );
          }
          setApiError(null);
        }
      } catch (e) {
        setApiError((e as Error).message);
      }
      if (!stopped) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [settings.network, slotsPerEpoch]);

  // live event feed (Beacon API SSE through the proxy)
  useEffect(() => {
    if (beaconApi === null) return;
    const es = new EventSource(beacon.eventsUrl(["head", "finalized_checkpoint"]));
    const onEvent = (topic: FeedItem["topic"]) => (m: MessageEvent) => {
      let value: string | undefined;
      try {
        const d = JSON.parse(m.data as string) as {slot?: string; epoch?: string};
        value = topic === "head" ? d.slot : d.epoch;
      } catch {
        return;
      }
      if (value === undefined) return;
      feedId.current += 1;
      const item: FeedItem = {id: feedId.current, topic, value};
      setFeed((f) => [item, ...f].slice(0, FEED_MAX));
    };
    es.addEventListener("head", onEvent("head"));
    es.addEventListener("finalized_checkpoint", onEvent("finalized_checkpoint"));
    return () => es.close();
  }, [beaconApi]);

  const control = async (channel: "node.start" | "node.stop"): Promise<void> => {
    setBusy(true);
    try {
      const r = await transport.call(channel, {});
      setProcesses(r.processes);
    } catch (e) {
      setApiError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const syncing = snap?.syncing ?? null;
  const headEpoch =
    syncing !== null && slotsPerEpoch !== null ? Math.floor(Number(syncing.head_slot) / slotsPerEpoch) : null;
  const running = processes.some((p) => p.state === "running" || p.state === "starting");
  const dash = t("common.none");

  return (
    <div className="dashboard">
      <h1 tabIndex={-1} data-testid="dashboard-title">
        {t("dash.title")}
      </h1>
      {apiError !== null && beaconApi !== null && (
        <p className="error" role="status">
          {t("dash.apiError", {message: apiError})}
        </p>
      )}
      <section className="card" aria-labelledby="proc-h">
        <h2 id="proc-h">{t("dash.processes")}</h2>
        {processes.length === 0 ? (
          <p>{t("dash.noProcesses")}</p>
        ) : (
          <ul className="processes" data-testid="processes">
            {processes.map((p) => (
              <li key={p.name}>
                <strong>{t(`proc.${p.name}` as MessageKey)}</strong>{" "}
                <span className={`badge state-${p.state}`} data-testid={`proc-${p.name}`}>
                  {t(`state.${p.state}` as MessageKey)}
                </span>
                {p.reasonCode !== "none" && <span className="hint"> {t(`reason.${p.reasonCode}` as MessageKey)}</span>}
              </li>
            ))}
          </ul>
        )}
        {attached ? (
          <p>{t("dash.attached")}</p>
        ) : (
          <div className="actions">
            {running ? (
              <button type="button" onClick={() => void control("node.stop")} disabled={busy}>
                {t("dash.stop")}
              </button>
            ) : (
              <button type="button" className="primary" onClick={() => void control("node.start")} disabled={busy}>
                {t("dash.start")}
              </button>
            )}
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="chain-h">
        <h2 id="chain-h">{t("dash.chain")}</h2>
        {beaconApi === null ? (
          <p aria-live="polite">{t("dash.waitingForNode")}</p>
        ) : (
          <dl className="stats" data-testid="chain-stats">
            <div>
              <dt>{t("dash.sync")}</dt>
              <dd data-testid="sync-state">
                {syncing === null
                  ? dash
                  : syncing.is_syncing
                    ? t("dash.syncing", {distance: syncing.sync_distance})
                    : t("dash.synced")}
              </dd>
            </div>
            <div>
              <dt>{t("dash.headSlot")}</dt>
              <dd data-testid="head-slot">{syncing?.head_slot ?? dash}</dd>
            </div>
            <div>
              <dt>{t("dash.headEpoch")}</dt>
              <dd data-testid="head-epoch">{headEpoch ?? dash}</dd>
            </div>
            <div>
              <dt>{t("dash.finalizedEpoch")}</dt>
              <dd data-testid="finalized-epoch">{snap?.finalizedEpoch ?? dash}</dd>
            </div>
            <div>
              <dt>{t("dash.peers")}</dt>
              <dd data-testid="peers">{snap?.peers ?? dash}</dd>
            </div>
            <div>
              <dt>{t("dash.execution")}</dt>
              <dd data-testid="execution">
                {syncing === null
                  ? dash
                  : syncing.el_offline === true
                    ? t("dash.elOffline")
                    : syncing.is_optimistic === true
                      ? t("dash.elOptimistic")
                      : t("dash.elOnline")}
              </dd>
            </div>
          </dl>
        )}
        {syncing !== null && (
          <label className="stack">
            <span>{t("dash.syncProgress")}</span>
            <progress
              max={Number(syncing.head_slot) + Number(syncing.sync_distance) || 1}
              value={Number(syncing.head_slot)}
            />
          </label>
        )}
      </section>

      <section className="card" aria-labelledby="val-h">
        <h2 id="val-h">{t("dash.validators")}</h2>
        {snap === null || snap.validators.length === 0 ? (
          <p>{t("dash.noValidators")}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="validators">
              <caption className="visually-hidden">{t("dash.validators")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("dash.col.index")}</th>
                  <th scope="col">{t("dash.col.pubkey")}</th>
                  <th scope="col">{t("dash.col.status")}</th>
                  <th scope="col">{t("dash.col.balance")}</th>
                  <th scope="col">{t("dash.col.effective")}</th>
                </tr>
              </thead>
              <tbody>
                {snap.validators.map((v) => (
                  <tr key={v.index} data-testid="validator-row">
                    <td>{v.index}</td>
                    <td>
                      <code
                        title={v.validator.pubkey}
                      >{`${v.validator.pubkey.slice(0, 10)}…${v.validator.pubkey.slice(-6)}`}</code>
                    </td>
                    <td data-testid="validator-status" data-status={v.status}>
                      {t(`vstatus.${v.status}` as MessageKey)}
                    </td>
                    <td data-testid="validator-balance" data-gwei={v.balance}>
                      {gweiToEth(v.balance)}
                    </td>
                    <td>{gweiToEth(v.validator.effective_balance)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="chart-h">
        <h2 id="chart-h">{t("dash.balanceChart")}</h2>
        <BalanceChart points={history} />
      </section>

      <section className="card">
        <h2 id="feed-h">{t("dash.events")}</h2>
        {feed.length === 0 ? (
          <p>{t("dash.noEvents")}</p>
        ) : (
          <section
            className="feed"
            aria-labelledby="feed-h"
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
            tabIndex={0}
          >
            <ul data-testid="event-feed">
              {feed.map((f) => (
                <li key={f.id} data-topic={f.topic}>
                  {f.topic === "head" ? t("feed.head", {slot: f.value}) : t("feed.finalized", {epoch: f.value})}
                </li>
              ))}
            </ul>
          </section>
        )}
      </section>

      <section className="card" aria-labelledby="logs-h">
        <h2 id="logs-h">{t("dash.logs")}</h2>
        <LogViewer />
      </section>
    </div>
  );
}
