/**
 * Key management (issue 10 item 4): the validator client's local and remote keys with their chain status,
 * import (keystores + EIP-3076 interchange), delete (interchange saved to a file first), voluntary exit
 * (typed confirmation, irreversible), fee recipient / graffiti / gas limit per key. Everything goes through the
 * host (`km.*` channels); the Keymanager API token never reaches this page.
 */
import {type FormEvent, type ReactNode, useCallback, useEffect, useState} from "react";
import type {Channels, KmKey, KmList, KmStatus} from "../../shared/contract.ts";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {transport} from "../transport.ts";
import {Field} from "./Onboarding.tsx";

const short = (pk: string): string => `${pk.slice(0, 10)}…${pk.slice(-6)}`;
const shortAddr = (a: string): string => `${a.slice(0, 6)}…${a.slice(-4)}`;
/** Hex in a table cell: on one line (the full value in the title). */
const NOWRAP = {whiteSpace: "nowrap", wordBreak: "normal"} as const;
/** The row's buttons wrap onto more lines rather than widen the table. */
const ACTIONS = {display: "flex", flexWrap: "wrap", gap: "0.25rem", maxWidth: "12rem"} as const;
const eth = (gwei: number | null): string => (gwei === null ? "–" : (gwei / 1e9).toFixed(4));

type Panel = {kind: "edit" | "delete" | "exit"; key: KmKey} | null;

export function KeysScreen(): ReactNode {
  const t = useT();
  const [list, setList] = useState<KmList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [panel, setPanel] = useState<Panel>(null);

  const refresh = useCallback(() => {
    transport
      .call("km.list", {})
      .then((l) => {
        setList(l);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, 5000);
    return () => clearInterval(timer);
  }, [refresh]);

  return (
    <>
      <section className="card" aria-labelledby="km-h">
        <h1 id="km-h" tabIndex={-1} data-testid="keys-title">
          {t("km.title")}
        </h1>
        {error !== null && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {list === null ? (
          <p aria-live="polite">{t("app.loading")}</p>
        ) : !list.available ? (
          <p data-testid="km-unavailable">{t("km.unavailable")}</p>
        ) : (
          <KeyTable keys={list.keys} onAction={setPanel} />
        )}
      </section>
      {panel?.kind === "edit" && <EditPanel key={`e${panel.key.pubkey}`} k={panel.key} onDone={refresh} />}
      {panel?.kind === "delete" && (
        <DeletePanel
          key={`d${panel.key.pubkey}`}
          k={panel.key}
          onDone={() => {
            refresh();
          }}
        />
      )}
      {panel?.kind === "exit" && <ExitPanel key={`x${panel.key.pubkey}`} k={panel.key} onDone={refresh} />}
      {list?.available === true && <ImportPanel onDone={refresh} />}
      {list?.available === true && list.keys.some((k) => k.withdrawalPrefix === "0x00") && (
        <section className="card" aria-labelledby="km-bls-h">
          <h2 id="km-bls-h">{t("km.bls.title")}</h2>
          <p data-testid="km-bls-note">{t("km.bls.note")}</p>
        </section>
      )}
    </>
  );
}

function KeyTable({keys, onAction}: {keys: KmKey[]; onAction: (p: Panel) => void}): ReactNode {
  const t = useT();
  if (keys.length === 0) return <p>{t("km.none")}</p>;
  return (
    <div className="table-wrap">
      <table data-testid="km-keys">
        <caption className="visually-hidden">{t("km.title")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("km.col.pubkey")}</th>
            <th scope="col">{t("km.col.index")}</th>
            <th scope="col">{t("km.col.status")}</th>
            <th scope="col">{t("km.col.balance")}</th>
            <th scope="col">{t("km.col.withdrawal")}</th>
            <th scope="col">{t("km.col.feeRecipient")}</th>
            <th scope="col">{t("km.col.graffiti")}</th>
            <th scope="col">{t("km.col.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.pubkey} data-testid="km-row" data-pubkey={k.pubkey} data-status={k.status ?? ""}>
              <td>
                <code title={k.pubkey} style={NOWRAP}>
                  {short(k.pubkey)}
                </code>
                <br />
                <span>{t(k.kind === "local" ? "km.kind.local" : "km.kind.remote")}</span>
                {k.readonly && (
                  <>
                    {" "}
                    <span>{t("km.readonly")}</span>
                  </>
                )}
              </td>
              <td>{k.index ?? "–"}</td>
              <td data-testid="km-status">
                <span>{k.status !== null ? t(`km.st.${k.status}` as MessageKey) : t("km.status.unknown")}</span>
                {k.exitEpoch !== null && (
                  <>
                    <br />
                    <span>{t("km.exitEpoch", {epoch: k.exitEpoch})}</span>
                  </>
                )}
              </td>
              <td>{eth(k.balanceGwei)}</td>
              <td>{k.withdrawalPrefix ?? "–"}</td>
              <td>
                <code data-testid="km-fee" title={k.config?.feeRecipient} style={NOWRAP}>
                  {k.config !== null ? shortAddr(k.config.feeRecipient) : "–"}
                </code>
              </td>
              <td>
                <code>{k.config?.graffiti ?? "–"}</code>
              </td>
              <td>
                <div style={ACTIONS}>
                  <button
                    type="button"
                    data-testid="km-edit"
                    aria-label={t("km.editFor", {key: short(k.pubkey)})}
                    onClick={() => onAction({kind: "edit", key: k})}
                  >
                    {t("km.edit")}
                  </button>
                  <button
                    type="button"
                    data-testid="km-delete"
                    disabled={k.readonly || k.kind !== "local"}
                    title={k.readonly ? t("km.readonlyHint") : undefined}
                    aria-label={t("km.deleteFor", {key: short(k.pubkey)})}
                    onClick={() => onAction({kind: "delete", key: k})}
                  >
                    {t("km.delete")}
                  </button>
                  <button
                    type="button"
                    data-testid="km-exit"
                    disabled={k.status !== "active_ongoing"}
                    aria-label={t("km.exitFor", {key: short(k.pubkey)})}
                    onClick={() => onAction({kind: "exit", key: k})}
                  >
                    {t("km.exit")}
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function useFocusOnMount(id: string): void {
  useEffect(() => {
    document.getElementById(id)?.focus();
  }, [id]);
}

function EditPanel({k, onDone}: {k: KmKey; onDone: () => void}): ReactNode {
  const t = useT();
  const [fee, setFee] = useState(k.config?.feeRecipient ?? "");
  const [graffiti, setGraffiti] = useState(k.config?.graffiti ?? "");
  const [gas, setGas] = useState(k.config?.gasLimit ?? "");
  const [status, setStatus] = useState<{ok: boolean; text: string} | null>(null);
  useFocusOnMount("km-edit-h");
  const save = (e: FormEvent): void => {
    e.preventDefault();
    setStatus(null);
    const req: Channels["km.setConfig"]["req"] = {pubkey: k.pubkey, graffiti, gasLimit: gas};
    if (fee !== k.config?.feeRecipient) req.feeRecipient = fee;
    transport
      .call("km.setConfig", req)
      .then((c) => {
        setFee(c.feeRecipient);
        setGraffiti(c.graffiti);
        setGas(c.gasLimit);
        setStatus({ok: true, text: t("km.saved")});
        onDone();
      })
      .catch((err: Error) => setStatus({ok: false, text: err.message}));
  };
  return (
    <section className="card" aria-labelledby="km-edit-h">
      <h2 id="km-edit-h" tabIndex={-1}>
        {t("km.editTitle", {key: short(k.pubkey)})}
      </h2>
      <form onSubmit={save}>
        <Field label={t("km.col.feeRecipient")} hint={t("km.feeHint")}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              data-testid="km-fee-input"
              value={fee}
              spellCheck={false}
              onChange={(e) => setFee(e.target.value)}
            />
          )}
        </Field>
        <Field label={t("km.col.graffiti")} hint={t("km.graffitiHint")}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              data-testid="km-graffiti-input"
              value={graffiti}
              onChange={(e) => setGraffiti(e.target.value)}
            />
          )}
        </Field>
        <Field label={t("km.col.gasLimit")} hint={t("km.gasHint")}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              data-testid="km-gas-input"
              inputMode="numeric"
              value={gas}
              onChange={(e) => setGas(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" data-testid="km-save">
          {t("km.save")}
        </button>
      </form>
      {status !== null && (
        <p role={status.ok ? "status" : "alert"} className={status.ok ? "ok" : "error"} data-testid="km-edit-status">
          {status.text}
        </p>
      )}
    </section>
  );
}

function Statuses({statuses}: {statuses: KmStatus[]}): ReactNode {
  const t = useT();
  return (
    <ul data-testid="km-statuses">
      {statuses.map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: statuses are positional (one per keystore / key sent)
        <li key={i} data-status={s.status}>
          {t(`km.result.${s.status}` as MessageKey)}
          {s.message !== undefined && s.message !== "" ? `: ${s.message}` : ""}
        </li>
      ))}
    </ul>
  );
}

function DeletePanel({k, onDone}: {k: KmKey; onDone: () => void}): ReactNode {
  const t = useT();
  const [result, setResult] = useState<Channels["km.delete"]["res"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useFocusOnMount("km-del-h");
  const run = (): void => {
    setBusy(true);
    setError(null);
    transport
      .call("km.delete", {pubkeys: [k.pubkey]})
      .then((r) => {
        setResult(r);
        onDone();
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(false));
  };
  return (
    <section className="card" aria-labelledby="km-del-h">
      <h2 id="km-del-h" tabIndex={-1}>
        {t("km.deleteTitle", {key: short(k.pubkey)})}
      </h2>
      {result === null ? (
        <>
          <p className="warning">{t("km.deleteWarning")}</p>
          <button type="button" data-testid="km-delete-confirm" disabled={busy} onClick={run}>
            {t("km.deleteConfirm")}
          </button>
        </>
      ) : (
        <div role="status">
          <Statuses statuses={result.statuses} />
          <p className="ok">
            {t("km.deletedSaved")} <code data-testid="km-deleted-file">{result.interchangeFile}</code>
          </p>
        </div>
      )}
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

function ExitPanel({k, onDone}: {k: KmKey; onDone: () => void}): ReactNode {
  const t = useT();
  const [typed, setTyped] = useState("");
  const [result, setResult] = useState<Channels["km.exit"]["res"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useFocusOnMount("km-exit-h");
  const matches = typed.trim().toLowerCase() === k.pubkey;
  const run = (e: FormEvent): void => {
    e.preventDefault();
    if (!matches) return;
    setBusy(true);
    setError(null);
    transport
      .call("km.exit", {pubkey: k.pubkey, confirmPubkey: typed})
      .then((r) => {
        setResult(r);
        onDone();
      })
      .catch((err: Error) => setError(err.message))
      .finally(() => setBusy(false));
  };
  return (
    <section className="card" aria-labelledby="km-exit-h">
      <h2 id="km-exit-h" tabIndex={-1}>
        {t("km.exitTitle", {key: short(k.pubkey)})}
      </h2>
      {result === null ? (
        <form onSubmit={run}>
          <p className="warning" data-testid="km-exit-warning">
            {t("km.exitWarning")}
          </p>
          <Field label={t("km.exitType")} hint={k.pubkey}>
            {(id, hint) => (
              <input
                id={id}
                aria-describedby={hint}
                data-testid="km-exit-input"
                value={typed}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => setTyped(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" data-testid="km-exit-confirm" disabled={!matches || busy}>
            {t("km.exitConfirm")}
          </button>
        </form>
      ) : (
        <p role="status" className="ok" data-testid="km-exit-result">
          {t("km.exitDone", {
            index: result.validatorIndex,
            epoch: result.epoch,
            ahead: result.queueAhead,
          })}{" "}
          {result.inPool ? t("km.exitInPool") : ""}
        </p>
      )}
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

function ImportPanel({onDone}: {onDone: () => void}): ReactNode {
  const t = useT();
  const [keystores, setKeystores] = useState<string[]>([]);
  const [interchange, setInterchange] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [result, setResult] = useState<KmStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const readFiles = async (files: FileList | null): Promise<string[]> =>
    files === null ? [] : Promise.all([...files].map((f) => f.text()));
  const run = (e: FormEvent): void => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    transport
      .call("km.import", {
        keystores,
        passwords: keystores.map(() => password),
        ...(interchange !== null ? {slashingProtection: interchange} : {}),
      })
      .then((r) => {
        setResult(r.statuses);
        setPassword("");
        onDone();
      })
      .catch((err: Error) => setError(err.message))
      .finally(() => setBusy(false));
  };
  return (
    <section className="card" aria-labelledby="km-imp-h">
      <h2 id="km-imp-h">{t("km.importTitle")}</h2>
      <form onSubmit={run}>
        <Field label={t("km.importKeystores")} hint={t("km.importKeystoresHint")}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              type="file"
              multiple
              accept=".json,application/json"
              data-testid="km-import-keystores"
              onChange={(e) => void readFiles(e.target.files).then(setKeystores)}
            />
          )}
        </Field>
        <Field label={t("km.importInterchange")} hint={t("km.importInterchangeHint")}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              type="file"
              accept=".json,application/json"
              data-testid="km-import-interchange"
              onChange={(e) => void readFiles(e.target.files).then((x) => setInterchange(x[0] ?? null))}
            />
          )}
        </Field>
        <Field label={t("km.importPassword")}>
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="off"
              data-testid="km-import-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" data-testid="km-import-submit" disabled={busy || keystores.length === 0}>
          {t("km.importSubmit", {n: keystores.length})}
        </button>
      </form>
      {result !== null && (
        <div role="status">
          <Statuses statuses={result} />
        </div>
      )}
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
