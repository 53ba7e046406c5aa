/**
 * "Duties & rewards": every missed or late duty of the user's validators with its cause in plain words and what
 * to do (host/duties.ts + dutiesClassify.ts), and the local rewards ledger (host/ledger.ts) as a chart, a table
 * of the latest epochs and a CSV export (written by the host; browser mode also downloads it).
 */
import {type ReactNode, useCallback, useEffect, useState} from "react";
import type {Channels, DutyRecord} from "../../shared/contract.ts";
import {BalanceChart} from "../components/BalanceChart.tsx";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {transport} from "../transport.ts";

type DutiesRes = Channels["duties.list"]["res"];
type LedgerRes = Channels["ledger.get"]["res"];

const gweiToEth = (g: string | null): string => (g === null ? "—" : (Number(g) / 1e9).toFixed(6));

function causeVars(r: DutyRecord): Record<string, string | number> {
  return {
    offset: ((r.details.offsetMs ?? 0) / 1000).toFixed(2),
    distance: r.details.distance ?? "?",
    syncDistance: r.details.syncDistance ?? "?",
  };
}

/** Per epoch (newest first): the records of one kind, result and cause become one line. */
function groups(records: DutyRecord[]): {first: DutyRecord; count: number; slots: string; validators: string}[] {
  const out: {first: DutyRecord; items: DutyRecord[]}[] = [];
  const sorted = [...records].sort(
    (a, b) =>
      b.epoch - a.epoch ||
      a.kind.localeCompare(b.kind) ||
      a.cause.localeCompare(b.cause) ||
      b.slot - a.slot ||
      a.validatorIndex - b.validatorIndex,
  );
  for (const r of sorted) {
    const g = out[out.length - 1];
    const same =
      g !== undefined &&
      g.first.kind === r.kind &&
      g.first.result === r.result &&
      g.first.cause === r.cause &&
      g.first.epoch === r.epoch &&
      g.first.cause !== "lateBlock" &&
      g.first.cause !== "includedLate";
    if (same) g.items.push(r);
    else out.push({first: r, items: [r]});
  }
  return out.slice(0, 300).map(({first, items}) => {
    const slots = [...new Set(items.map((i) => i.slot))].sort((a, b) => a - b);
    const vals = [...new Set(items.map((i) => i.validatorIndex))].sort((a, b) => a - b);
    return {
      first,
      count: items.length,
      slots: slots.length === 1 ? String(slots[0]) : `${slots[0]}–${slots[slots.length - 1]}`,
      validators: vals.length > 6 ? `${vals.slice(0, 6).join(", ")}… (${vals.length})` : vals.join(", "),
    };
  });
}

export function DutiesScreen(): ReactNode {
  const t = useT();
  const [duties, setDuties] = useState<DutiesRes | null>(null);
  const [ledger, setLedger] = useState<LedgerRes | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    Promise.all([transport.call("duties.list", {}), transport.call("ledger.get", {})])
      .then(([d, l]) => {
        setDuties(d);
        setLedger(l);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    refresh();
    const id = setInterval(refresh, 2000);
    return () => clearInterval(id);
  }, [refresh]);

  const exportCsv = (): void => {
    transport
      .call("ledger.exportCsv", {})
      .then(({file, csv}) => {
        setExported(file);
        const a = document.createElement("a");
        a.href = URL.createObjectURL(new Blob([csv], {type: "text/csv"}));
        a.download = file.split("/").pop() ?? "rewards.csv";
        a.click();
        URL.revokeObjectURL(a.href);
      })
      .catch((e: Error) => setError(e.message));
  };

  const s = duties?.lastSample ?? null;
  const latestRows = ledger === null ? [] : ledger.rows.slice(-16).reverse();
  return (
    <section className="card" data-testid="duties-screen">
      <h1 tabIndex={-1}>{t("duties.title")}</h1>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <h2>{t("duties.watchTitle")}</h2>
      <p data-testid="duties-watch" aria-live="polite">
        {s === null
          ? t("duties.notWatching")
          : t("duties.watching", {
              slot: s.slot,
              vc: t(`duties.vc.${s.vc}` as MessageKey),
              peers: s.peers === null ? t("duties.peersNoP2p") : s.peers,
              el: s.elOffline === true ? t("duties.elOffline") : t("duties.elOnline"),
            })}
      </p>
      <h2>{t("duties.missedTitle")}</h2>
      {duties !== null && duties.records.length === 0 ? (
        <p>{t("duties.none")}</p>
      ) : (
        <ul className="duty-list" data-testid="duty-list">
          {groups(duties?.records ?? []).map(({first: r, slots, validators, count}) => (
            <li key={`${r.kind}/${r.slot}/${r.validatorIndex}`} data-cause={r.cause} data-kind={r.kind}>
              <strong>
                {count === 1
                  ? t("duties.item", {
                      kind: t(`duties.kind.${r.kind}` as MessageKey),
                      result: t(`duties.result.${r.result}` as MessageKey),
                      slot: r.slot,
                      validator: r.validatorIndex,
                    })
                  : t("duties.group", {
                      count,
                      kind: t(`duties.kind.${r.kind}` as MessageKey),
                      result: t(`duties.result.${r.result}` as MessageKey),
                      slots: slots,
                      validators: validators,
                    })}
              </strong>{" "}
              <span data-testid="duty-cause">{t(`duty.cause.${r.cause}` as MessageKey, causeVars(r))}</span>{" "}
              <em>{t(`duty.todo.${r.cause}` as MessageKey)}</em>
            </li>
          ))}
        </ul>
      )}
      <h2>{t("ledger.title")}</h2>
      <BalanceChart points={ledger?.totals ?? []} />
      <p>
        <button type="button" data-testid="ledger-export" onClick={exportCsv}>
          {t("ledger.export")}
        </button>{" "}
        {exported !== null && <span data-testid="ledger-exported">{t("ledger.exported", {file: exported})}</span>}
      </p>
      <p>{t("ledger.columns", {columns: (ledger?.columns ?? []).join(", ")})}</p>
      {latestRows.length > 0 && (
        <table data-testid="ledger-table">
          <caption>{t("ledger.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("ledger.epoch")}</th>
              <th scope="col">{t("ledger.validator")}</th>
              <th scope="col">{t("ledger.balance")}</th>
              <th scope="col">{t("ledger.reward")}</th>
            </tr>
          </thead>
          <tbody>
            {latestRows.map((r) => (
              <tr key={`${r.epoch}/${r.validatorIndex}`}>
                <td>{r.epoch}</td>
                <td>{r.validatorIndex}</td>
                <td>{gweiToEth(r.balanceGwei)}</td>
                <td>{gweiToEth(r.rewardGwei)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
