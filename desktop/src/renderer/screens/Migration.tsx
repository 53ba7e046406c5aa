/**
 * The migration wizard: another client's keystores + its EIP-3076 export → checked (every key covered, this
 * network's root) → "stop the old client" (confirmed) → imported into ceibo's validator client, which watches
 * for doppelgangers for at least 2 epochs (shown) → enabled. Liveness of the keys meanwhile stops everything
 * with an explanation. Paths are the host's (the machine running ceibo), typed by the user.
 */
import {type FormEvent, type ReactNode, useEffect, useRef, useState} from "react";
import type {MigrationCheck, MigrationStatus} from "../../shared/contract.ts";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {transport} from "../transport.ts";
import {Field} from "./Onboarding.tsx";

type Step = "choose" | "stopOld" | "progress";

const short = (pk: string): string => `${pk.slice(0, 10)}…${pk.slice(-6)}`;

export function MigrationScreen(): ReactNode {
  const t = useT();
  const [step, setStep] = useState<Step>("choose");
  const [keystoresDir, setKeystoresDir] = useState("");
  const [interchangeFile, setInterchangeFile] = useState("");
  const [check, setCheck] = useState<MigrationCheck | null>(null);
  const [stopped, setStopped] = useState(false);
  const [password, setPassword] = useState("");
  const [status, setStatus] = useState<MigrationStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: focus the heading of each new step
  useEffect(() => {
    headingRef.current?.focus();
  }, [step]);

  // a migration already under way (the screen was left and opened again) continues where it is
  useEffect(() => {
    void transport.call("migration.status", {}).then((s) => {
      if (s.phase !== "idle") {
        setStatus(s);
        setStep("progress");
      }
    });
    return transport.onEvent((e) => {
      if (e.type === "migration") setStatus((old) => ({...e.status, watch: e.status.watch ?? old?.watch ?? null}));
    });
  }, []);

  // the current epoch comes from the host's poll of the beacon node
  useEffect(() => {
    if (step !== "progress") return;
    const id = setInterval(() => {
      void transport
        .call("migration.status", {})
        .then(setStatus)
        .catch(() => {});
    }, 2000);
    return () => clearInterval(id);
  }, [step]);

  const run = async (fn: () => Promise<void>): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const heading = (key: MessageKey): ReactNode => (
    <h1 ref={headingRef} tabIndex={-1} data-testid={`mig-step-${step}`}>
      {t(key)}
    </h1>
  );

  const errorBox =
    error === null ? null : (
      <p role="alert" className="error" data-testid="mig-error">
        {error}
      </p>
    );

  let content: ReactNode;
  if (step === "choose") {
    content = (
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void run(async () => {
            setCheck(await transport.call("migration.check", {keystoresDir, interchangeFile}));
          });
        }}
      >
        {heading("mig.title")}
        <p>{t("mig.intro")}</p>
        <Field label={t("mig.keystoresDir")} hint={t("mig.keystoresDirHint")}>
          {(id, hintId) => (
            <input
              id={id}
              aria-describedby={hintId}
              data-testid="mig-keystores"
              required
              value={keystoresDir}
              onChange={(e) => {
                setKeystoresDir(e.target.value);
                setCheck(null);
              }}
            />
          )}
        </Field>
        <Field label={t("mig.interchangeFile")} hint={t("mig.interchangeFileHint")}>
          {(id, hintId) => (
            <input
              id={id}
              aria-describedby={hintId}
              data-testid="mig-interchange"
              required
              value={interchangeFile}
              onChange={(e) => {
                setInterchangeFile(e.target.value);
                setCheck(null);
              }}
            />
          )}
        </Field>
        {errorBox}
        {check !== null && (
          <div data-testid="mig-check" aria-live="polite">
            <p className="ok">{t("mig.checkOk", {n: check.pubkeys.length})}</p>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">{t("mig.historyCaption")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("mig.colKey")}</th>
                    <th scope="col">{t("mig.colBlocks")}</th>
                    <th scope="col">{t("mig.colAttestations")}</th>
                  </tr>
                </thead>
                <tbody>
                  {check.history.map((h) => (
                    <tr key={h.pubkey}>
                      <td>
                        <code title={h.pubkey}>{short(h.pubkey)}</code>
                      </td>
                      <td>{h.blocks}</td>
                      <td>{h.attestations}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {check.skipped.length > 0 && <p className="hint">{t("mig.skipped", {files: check.skipped.join(", ")})}</p>}
          </div>
        )}
        <div className="actions">
          <button type="submit" disabled={busy} data-testid="mig-check-button">
            {t("mig.check")}
          </button>
          <button
            type="button"
            className="primary"
            disabled={check === null || busy}
            data-testid="mig-next"
            onClick={() => {
              setError(null);
              setStep("stopOld");
            }}
          >
            {t("common.next")}
          </button>
        </div>
      </form>
    );
  } else if (step === "stopOld") {
    content = (
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void run(async () => {
            const s = await transport.call("migration.start", {
              keystoresDir,
              interchangeFile,
              password,
              oldClientStopped: stopped,
            });
            setPassword("");
            setStatus(s);
            setStep("progress");
          });
        }}
      >
        {heading("mig.stopOld.title")}
        <p className="warning">{t("mig.stopOld.warning")}</p>
        <ol>
          <li>{t("mig.stopOld.step1")}</li>
          <li>{t("mig.stopOld.step2")}</li>
          <li>{t("mig.stopOld.step3")}</li>
        </ol>
        <label className="choice">
          <input
            type="checkbox"
            data-testid="mig-stopped"
            checked={stopped}
            onChange={(e) => setStopped(e.target.checked)}
          />
          <span>{t("mig.stopOld.confirm")}</span>
        </label>
        <Field label={t("mig.password")} hint={t("mig.passwordHint")}>
          {(id, hintId) => (
            <input
              id={id}
              aria-describedby={hintId}
              type="password"
              autoComplete="off"
              data-testid="mig-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {errorBox}
        <div className="actions">
          <button type="button" onClick={() => setStep("choose")} disabled={busy}>
            {t("common.back")}
          </button>
          <button type="submit" className="primary" disabled={!stopped || busy} data-testid="mig-start">
            {busy ? t("mig.importing") : t("mig.start")}
          </button>
        </div>
      </form>
    );
  } else {
    const s = status;
    const w = s?.watch ?? null;
    const done = w === null || w.currentEpoch === null ? 0 : Math.max(0, Math.min(2, w.currentEpoch - w.startEpoch));
    content = (
      <>
        {heading("mig.progress.title")}
        <div aria-live="polite" data-testid={`mig-phase-${s?.phase ?? "idle"}`}>
          {s?.phase === "importing" && <p>{t("mig.importing")}</p>}
          {s?.phase === "watching" && (
            <>
              <p>{t("mig.watching", {n: s.pubkeys.length})}</p>
              {w !== null && (
                <>
                  <label htmlFor="mig-watch-progress">
                    {w.currentEpoch === null
                      ? t("mig.watchEpochs", {from: w.signingFromEpoch})
                      : t("mig.watchProgress", {current: w.currentEpoch, from: w.signingFromEpoch})}
                  </label>
                  <progress id="mig-watch-progress" data-testid="mig-watch" max={2} value={done} />
                </>
              )}
              <p className="hint">{t("mig.watchWhy")}</p>
            </>
          )}
          {s?.phase === "enabled" && <p className="ok">{t("mig.enabled", {n: s.pubkeys.length})}</p>}
          {s?.phase === "doppelganger" && (
            <div role="alert" className="warning" data-testid="mig-doppelganger">
              <h2>{t("mig.doppelganger.title")}</h2>
              <p>{t("mig.doppelganger.what")}</p>
              <p>{t("mig.doppelganger.todo")}</p>
            </div>
          )}
          {s?.phase === "failed" && (
            <p role="alert" className="error" data-testid="mig-failed">
              {t("mig.failed", {message: s.message ?? ""})}
            </p>
          )}
        </div>
        {(s?.phase === "doppelganger" || s?.phase === "failed") && (
          <div className="actions">
            <button type="button" onClick={() => setStep("choose")}>
              {t("mig.again")}
            </button>
          </div>
        )}
        {s !== null && s.pubkeys.length > 0 && (
          <ul className="pubkeys">
            {s.pubkeys.map((p) => (
              <li key={p}>
                <code title={p}>{short(p)}</code>
              </li>
            ))}
          </ul>
        )}
      </>
    );
  }

  return <section className="card">{content}</section>;
}
