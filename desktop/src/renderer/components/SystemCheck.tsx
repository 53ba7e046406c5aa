/** The onboarding system check: one row per item (disk, RAM, CPU, p2p port, clock) with pass/warn/fail and what to do. */
import {type ReactNode, useEffect, useState} from "react";
import type {NetworkName, SystemCheckItem} from "../../shared/contract.ts";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {transport} from "../transport.ts";

export function SystemCheck({network}: {network: NetworkName}): ReactNode {
  const t = useT();
  const [items, setItems] = useState<SystemCheckItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setItems(null);
    transport
      .call("system.check", {network})
      .then((r) => {
        if (live) setItems(r.items);
      })
      .catch((e: Error) => {
        if (live) setError(e.message);
      });
    return () => {
      live = false;
    };
  }, [network]);
  if (error !== null) return <p className="error">{error}</p>;
  if (items === null) return <p aria-live="polite">{t("sys.checking")}</p>;
  return (
    <ul
      className="syscheck"
      data-testid="syscheck"
      aria-label={t("sys.label", {network: t(`network.${network}` as MessageKey)})}
    >
      {items.map((it) => {
        const detail =
          it.id === "clock"
            ? t(`sys.clock.${String(it.values.source)}` as MessageKey, it.values)
            : it.id === "p2pPort"
              ? t(`sys.p2pPort.${String(it.values.state)}` as MessageKey, it.values)
              : t(`sys.${it.id}` as MessageKey, it.values);
        return (
          <li key={it.id} data-testid={`syscheck-${it.id}`} data-level={it.level}>
            <span className={`badge level-${it.level}`}>{t(`sys.level.${it.level}` as MessageKey)}</span>{" "}
            <strong>{t(`sys.name.${it.id}` as MessageKey)}</strong>: {detail}
            {it.level !== "pass" && <span className="hint"> {t(`sys.todo.${it.id}` as MessageKey)}</span>}
          </li>
        );
      })}
    </ul>
  );
}
