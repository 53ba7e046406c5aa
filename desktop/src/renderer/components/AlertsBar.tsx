/**
 * The alerts in force (out of sync, low disk, upcoming proposal, missed duties in a row), shown in the app in
 * both modes; Electron also shows each new one as a desktop notification (main/tray.ts).
 */
import {type ReactNode, useEffect, useState} from "react";
import type {Alert} from "../../shared/contract.ts";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {transport} from "../transport.ts";

export const ALERTS_POLL_MS = 15_000;

export function AlertsBar(): ReactNode {
  const t = useT();
  const [alerts, setAlerts] = useState<Alert[]>([]);
  useEffect(() => {
    const load = (): void => {
      transport
        .call("alerts.list", {})
        .then((r) => setAlerts(r.alerts))
        .catch(() => {});
    };
    load();
    const id = setInterval(load, ALERTS_POLL_MS);
    const off = transport.onEvent((e) => {
      if (e.type === "alert") setAlerts((old) => [...old.filter((a) => a.id !== e.alert.id), e.alert]);
    });
    return () => {
      clearInterval(id);
      off();
    };
  }, []);
  if (alerts.length === 0) return null;
  return (
    <section className="alerts" aria-label={t("alert.label")} data-testid="alerts">
      <ul>
        {alerts.map((a) => (
          <li key={a.id} className={`alert alert-${a.level}`} data-testid={`alert-${a.kind}`}>
            {t(`alert.${a.kind}` as MessageKey, a.values)}
          </li>
        ))}
      </ul>
    </section>
  );
}
