/**
 * The onboarding wizard: welcome/system check → network → execution client → keys (new mnemonic shown
 * once + 3 words re-entered, or an existing mnemonic) → withdrawal, count, amount, password → review →
 * generation (progress) → start. The mnemonic lives in the host's memory only: the renderer shows the
 * words once and drops them when the user moves on.
 */
import {type FormEvent, type ReactNode, useEffect, useId, useRef, useState} from "react";
import type {AppInfo, Channels, NetworkName, Settings, WithdrawalKind} from "../../shared/contract.ts";
import {SystemCheck} from "../components/SystemCheck.tsx";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {transport} from "../transport.ts";

type Step =
  | "welcome"
  | "network"
  | "execution"
  | "keySource"
  | "showMnemonic"
  | "confirmMnemonic"
  | "importMnemonic"
  | "withdrawal"
  | "review"
  | "generating"
  | "done";

const STEP_ORDER: Step[] = ["welcome", "network", "execution", "keySource", "withdrawal", "review", "done"];

type GenerateRes = Channels["keys.generate"]["res"];

interface Props {
  info: AppInfo;
  settings: Settings;
  update: (patch: Partial<Settings>) => Promise<Settings>;
  onDone: () => void;
}

/** Clears whatever the user may have copied (best effort; the browser may refuse without focus). */
async function clearClipboard(): Promise<void> {
  try {
    await navigator.clipboard.writeText("");
  } catch {
    // not permitted here: nothing was copied by us anyway
  }
}

/** An error of the wizard itself: translated when shown, so it follows a language switch. */
class WizardError extends Error {
  readonly key: MessageKey;
  readonly vars: Record<string, string | number> | undefined;
  constructor(key: MessageKey, vars?: Record<string, string | number>) {
    super(key);
    this.key = key;
    this.vars = vars;
  }
}

type ErrorState = {key: MessageKey; vars?: Record<string, string | number>} | {text: string} | null;

export function Onboarding({info, settings, update, onDone}: Props): ReactNode {
  const t = useT();
  const [step, setStep] = useState<Step>("welcome");
  const [error, setErrorState] = useState<ErrorState>(null);
  const setError = (e: string | null): void => setErrorState(e === null ? null : {text: e});
  const fail = (key: MessageKey, vars?: Record<string, string | number>): void => setErrorState({key, vars});
  const [busy, setBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // key session
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [words, setWords] = useState<string[] | null>(null);
  const [confirmIndices, setConfirmIndices] = useState<[number, number, number] | null>(null);
  const [wroteDown, setWroteDown] = useState(false);
  const [confirmWords, setConfirmWords] = useState<[string, string, string]>(["", "", ""]);
  const [existing, setExisting] = useState("");
  const [keySource, setKeySource] = useState<"new" | "existing">("new");

  // network + execution
  const [network, setNetwork] = useState<NetworkName>(settings.network);
  const [executionUrl, setExecutionUrl] = useState(settings.executionUrl ?? "");
  const [checkpointUrl, setCheckpointUrl] = useState(settings.checkpointSyncUrl ?? "");

  // withdrawal etc.
  const [kind, setKind] = useState<WithdrawalKind>("eth1");
  const [address, setAddress] = useState("");
  const [count, setCount] = useState("4");
  const [amount, setAmount] = useState("32");
  const [password, setPassword] = useState("");
  const [password2, setPassword2] = useState("");
  const [progress, setProgress] = useState<{done: number; total: number} | null>(null);
  const [result, setResult] = useState<GenerateRes | null>(null);

  // Focus the new step's heading so keyboard and screen-reader users land on it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every step change on purpose
  useEffect(() => {
    headingRef.current?.focus();
  }, [step]);

  useEffect(
    () =>
      transport.onEvent((e) => {
        if (e.type === "keys.progress") setProgress({done: e.done, total: e.total});
      }),
    [],
  );

  const run = async (fn: () => Promise<void>): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      if (e instanceof WizardError) fail(e.key, e.vars);
      else setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const go = (s: Step): void => {
    setError(null);
    setStep(s);
  };

  const progressIndex = STEP_ORDER.indexOf(
    step === "showMnemonic" || step === "confirmMnemonic" || step === "importMnemonic"
      ? "keySource"
      : step === "generating"
        ? "review"
        : step,
  );

  const heading = (key: MessageKey): ReactNode => (
    <h1 ref={headingRef} tabIndex={-1} data-testid={`step-${step}`}>
      {t(key)}
    </h1>
  );

  const errorBox =
    error === null ? null : (
      <p role="alert" className="error" data-testid="error">
        {"key" in error ? t(error.key, error.vars) : error.text}
      </p>
    );

  const net = info.networks.find((n) => n.name === network);

  let content: ReactNode;
  switch (step) {
    case "welcome":
      content = (
        <>
          {heading("onb.welcome.title")}
          <p>{t("onb.welcome.intro")}</p>
          <h2>{t("onb.welcome.systemCheck")}</h2>
          <dl className="facts" data-testid="system-check">
            <dt>{t("onb.welcome.version")}</dt>
            <dd>{info.version}</dd>
            <dt>{t("onb.welcome.mode")}</dt>
            <dd>{info.mode === "browser" ? t("onb.welcome.modeBrowser") : t("onb.welcome.modeElectron")}</dd>
            <dt>{t("onb.welcome.dataDir")}</dt>
            <dd>
              <code>{info.dataDir}</code>
            </dd>
          </dl>
          <SystemCheck network={settings.network} />
          <div className="actions">
            <button type="button" className="primary" onClick={() => go("network")}>
              {t("onb.welcome.start")}
            </button>
          </div>
        </>
      );
      break;
    case "network":
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void run(async () => {
              await update({network});
              go("execution");
            });
          }}
        >
          {heading("onb.network.title")}
          <fieldset>
            <legend>{t("onb.network.legend")}</legend>
            {info.networks.map((n) => (
              <label key={n.name} className="choice">
                <input
                  type="radio"
                  name="network"
                  value={n.name}
                  checked={network === n.name}
                  onChange={() => setNetwork(n.name)}
                />
                <span>
                  <strong>{t(`network.${n.name}` as MessageKey)}</strong>
                  {n.needs.map((need) => (
                    <span key={need} className="hint need">
                      {t(`needs.${need}` as MessageKey)}
                    </span>
                  ))}
                </span>
              </label>
            ))}
          </fieldset>
          <SystemCheck network={network} />
          {errorBox}
          <div className="actions">
            <button type="button" onClick={() => go("welcome")}>
              {t("common.back")}
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {t("common.next")}
            </button>
          </div>
        </form>
      );
      break;
    case "execution":
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void run(async () => {
              if (network !== "dev") {
                await update({
                  executionUrl: executionUrl.trim() === "" ? null : executionUrl.trim(),
                  checkpointSyncUrl: checkpointUrl.trim() === "" ? null : checkpointUrl.trim(),
                });
              }
              go("keySource");
            });
          }}
        >
          {heading("onb.execution.title")}
          {network === "dev" ? (
            <p data-testid="execution-automatic">{t("onb.execution.devAutomatic")}</p>
          ) : (
            <>
              <p>{t("onb.execution.intro")}</p>
              <Field label={t("onb.execution.engineUrl")} hint={t("onb.execution.engineUrlHint")}>
                {(id, hintId) => (
                  <input
                    id={id}
                    aria-describedby={hintId}
                    type="url"
                    value={executionUrl}
                    placeholder="http://127.0.0.1:8551"
                    onChange={(e) => setExecutionUrl(e.target.value)}
                  />
                )}
              </Field>
              <Field label={t("onb.execution.checkpointUrl")} hint={t("onb.execution.checkpointUrlHint")}>
                {(id, hintId) => (
                  <input
                    id={id}
                    aria-describedby={hintId}
                    type="url"
                    value={checkpointUrl}
                    onChange={(e) => setCheckpointUrl(e.target.value)}
                  />
                )}
              </Field>
            </>
          )}
          {errorBox}
          <div className="actions">
            <button type="button" onClick={() => go("network")}>
              {t("common.back")}
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {t("common.next")}
            </button>
          </div>
        </form>
      );
      break;
    case "keySource":
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (keySource === "existing") {
              go("importMnemonic");
              return;
            }
            void run(async () => {
              const r = await transport.call("keys.newMnemonic", {});
              setSessionId(r.sessionId);
              setWords(r.words);
              setConfirmIndices(r.confirmIndices);
              setWroteDown(false);
              go("showMnemonic");
            });
          }}
        >
          {heading("onb.keys.title")}
          <fieldset>
            <legend>{t("onb.keys.legend")}</legend>
            <label className="choice">
              <input
                type="radio"
                name="keySource"
                value="new"
                checked={keySource === "new"}
                onChange={() => setKeySource("new")}
              />
              <span>
                <strong>{t("onb.keys.new")}</strong>
                <span className="hint">{t("onb.keys.newHint")}</span>
              </span>
            </label>
            <label className="choice">
              <input
                type="radio"
                name="keySource"
                value="existing"
                checked={keySource === "existing"}
                onChange={() => setKeySource("existing")}
              />
              <span>
                <strong>{t("onb.keys.existing")}</strong>
                <span className="hint">{t("onb.keys.existingHint")}</span>
              </span>
            </label>
          </fieldset>
          {errorBox}
          <div className="actions">
            <button type="button" onClick={() => go("execution")}>
              {t("common.back")}
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {t("common.next")}
            </button>
          </div>
        </form>
      );
      break;
    case "showMnemonic":
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            // The words are shown once: drop them from the renderer now.
            setWords(null);
            void clearClipboard();
            go("confirmMnemonic");
          }}
        >
          {heading("onb.mnemonic.title")}
          <p className="warning" role="note">
            {t("onb.mnemonic.warning")}
          </p>
          <ol className="word-grid" data-testid="mnemonic-words" aria-label={t("onb.mnemonic.gridLabel")}>
            {(words ?? []).map((w, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a fixed 24-word list, the index is the word's position
              <li key={i}>
                <span className="word-n" aria-hidden="true">
                  {i + 1}
                </span>
                <span className="word" data-testid="mnemonic-word">
                  {w}
                </span>
              </li>
            ))}
          </ol>
          <label className="choice">
            <input
              type="checkbox"
              data-testid="wrote-down"
              checked={wroteDown}
              onChange={(e) => setWroteDown(e.target.checked)}
            />
            <span>{t("onb.mnemonic.wroteDown")}</span>
          </label>
          <div className="actions">
            <button type="submit" className="primary" disabled={!wroteDown}>
              {t("common.next")}
            </button>
          </div>
        </form>
      );
      break;
    case "confirmMnemonic":
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void run(async () => {
              if (sessionId === null) throw new WizardError("onb.confirm.noSession");
              const r = await transport.call("keys.confirmMnemonic", {
                sessionId,
                words: confirmWords.map((w) => w.trim().toLowerCase()) as [string, string, string],
              });
              if (!r.confirmed) throw new WizardError("onb.confirm.wrong");
              setConfirmWords(["", "", ""]);
              go("withdrawal");
            });
          }}
        >
          {heading("onb.confirm.title")}
          <p>{t("onb.confirm.intro")}</p>
          {(confirmIndices ?? [0, 0, 0]).map((idx, i) => (
            <Field key={idx} label={t("onb.confirm.word", {n: idx + 1})}>
              {(id) => (
                <input
                  id={id}
                  data-testid={`confirm-word-${i}`}
                  autoComplete="off"
                  spellCheck={false}
                  autoCapitalize="off"
                  value={confirmWords[i]}
                  onChange={(e) => {
                    const next = [...confirmWords] as [string, string, string];
                    next[i] = e.target.value;
                    setConfirmWords(next);
                  }}
                />
              )}
            </Field>
          ))}
          {errorBox}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {t("onb.confirm.check")}
            </button>
          </div>
        </form>
      );
      break;
    case "importMnemonic":
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void run(async () => {
              const r = await transport.call("keys.importMnemonic", {mnemonic: existing.trim()});
              setExisting("");
              void clearClipboard();
              setSessionId(r.sessionId);
              go("withdrawal");
            });
          }}
        >
          {heading("onb.import.title")}
          <Field label={t("onb.import.label")} hint={t("onb.import.hint")}>
            {(id, hintId) => (
              <textarea
                id={id}
                aria-describedby={hintId}
                data-testid="existing-mnemonic"
                rows={4}
                autoComplete="off"
                spellCheck={false}
                value={existing}
                onChange={(e) => setExisting(e.target.value)}
              />
            )}
          </Field>
          {errorBox}
          <div className="actions">
            <button type="button" onClick={() => go("keySource")}>
              {t("common.back")}
            </button>
            <button type="submit" className="primary" disabled={busy || existing.trim() === ""}>
              {t("common.next")}
            </button>
          </div>
        </form>
      );
      break;
    case "withdrawal": {
      const maxAmount = kind === "compounding" ? 2048 : 32;
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (!/^0x[0-9a-fA-F]{40}$/.test(address.trim())) return fail("onb.withdrawal.badAddress");
            const n = Number(count);
            if (!Number.isInteger(n) || n < 1 || n > 100) return fail("onb.withdrawal.badCount");
            const a = Number(amount);
            if (!Number.isFinite(a) || a < 1 || a > maxAmount) {
              return fail("onb.withdrawal.badAmount", {max: maxAmount});
            }
            if (password.length < 8) return fail("onb.withdrawal.shortPassword");
            if (password !== password2) return fail("onb.withdrawal.passwordMismatch");
            go("review");
          }}
        >
          {heading("onb.withdrawal.title")}
          <fieldset>
            <legend>{t("onb.withdrawal.kind")}</legend>
            <label className="choice">
              <input
                type="radio"
                name="kind"
                value="eth1"
                checked={kind === "eth1"}
                onChange={() => {
                  setKind("eth1");
                  setAmount("32");
                }}
              />
              <span>
                <strong>{t("onb.withdrawal.eth1")}</strong>
                <span className="hint">{t("onb.withdrawal.eth1Hint")}</span>
              </span>
            </label>
            <label className="choice">
              <input
                type="radio"
                name="kind"
                value="compounding"
                checked={kind === "compounding"}
                onChange={() => setKind("compounding")}
              />
              <span>
                <strong>{t("onb.withdrawal.compounding")}</strong>
                <span className="hint">{t("onb.withdrawal.compoundingHint")}</span>
              </span>
            </label>
          </fieldset>
          <Field label={t("onb.withdrawal.address")} hint={t("onb.withdrawal.addressHint")}>
            {(id, hintId) => (
              <input
                id={id}
                aria-describedby={hintId}
                data-testid="withdrawal-address"
                autoComplete="off"
                spellCheck={false}
                value={address}
                placeholder="0x…"
                onChange={(e) => setAddress(e.target.value)}
              />
            )}
          </Field>
          <div className="row">
            <Field label={t("onb.withdrawal.count")}>
              {(id) => (
                <input
                  id={id}
                  data-testid="key-count"
                  type="number"
                  min={1}
                  max={100}
                  value={count}
                  onChange={(e) => setCount(e.target.value)}
                />
              )}
            </Field>
            <Field label={t("onb.withdrawal.amount", {max: maxAmount})}>
              {(id) => (
                <input
                  id={id}
                  data-testid="amount"
                  type="number"
                  min={1}
                  max={maxAmount}
                  step="any"
                  value={amount}
                  onChange={(e) => setAmount(e.target.value)}
                />
              )}
            </Field>
          </div>
          <Field label={t("onb.withdrawal.password")} hint={t("onb.withdrawal.passwordHint")}>
            {(id, hintId) => (
              <input
                id={id}
                aria-describedby={hintId}
                data-testid="password"
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <Field label={t("onb.withdrawal.password2")}>
            {(id) => (
              <input
                id={id}
                data-testid="password2"
                type="password"
                autoComplete="new-password"
                value={password2}
                onChange={(e) => setPassword2(e.target.value)}
              />
            )}
          </Field>
          {errorBox}
          <div className="actions">
            <button type="submit" className="primary">
              {t("common.next")}
            </button>
          </div>
        </form>
      );
      break;
    }
    case "review":
    case "generating":
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void run(async () => {
              if (sessionId === null) throw new WizardError("onb.confirm.noSession");
              setProgress(null);
              setStep("generating");
              try {
                const r = await transport.call("keys.generate", {
                  sessionId,
                  withdrawalKind: kind,
                  withdrawalAddress: address.trim(),
                  count: Number(count),
                  amountEth: amount.trim(),
                  password,
                });
                setPassword("");
                setPassword2("");
                setSessionId(null);
                setResult(r);
                setStep("done");
              } catch (err) {
                setStep("review");
                throw err;
              }
            });
          }}
        >
          {heading("onb.review.title")}
          <dl className="facts" data-testid="review">
            <dt>{t("onb.review.network")}</dt>
            <dd>{t(`network.${network}` as MessageKey)}</dd>
            <dt>{t("onb.review.keys")}</dt>
            <dd>{keySource === "new" ? t("onb.keys.new") : t("onb.keys.existing")}</dd>
            <dt>{t("onb.withdrawal.kind")}</dt>
            <dd>{kind === "eth1" ? t("onb.withdrawal.eth1") : t("onb.withdrawal.compounding")}</dd>
            <dt>{t("onb.withdrawal.address")}</dt>
            <dd>
              <code>{address}</code>
            </dd>
            <dt>{t("onb.withdrawal.count")}</dt>
            <dd>{count}</dd>
            <dt>{t("onb.review.amountEach")}</dt>
            <dd>{t("common.eth", {n: amount})}</dd>
            <dt>{t("onb.review.depositAmount")}</dt>
            <dd>{net !== undefined ? t("common.eth", {n: net.depositAmountEth}) : ""}</dd>
          </dl>
          {step === "generating" && (
            <div aria-live="polite" data-testid="keygen-progress">
              <label className="stack">
                <span>
                  {t("onb.review.encrypting", {done: progress?.done ?? 0, total: progress?.total ?? Number(count)})}
                </span>
                <progress max={progress?.total ?? Number(count)} value={progress?.done ?? 0} />
              </label>
            </div>
          )}
          {errorBox}
          <div className="actions">
            <button type="button" onClick={() => go("withdrawal")} disabled={busy}>
              {t("common.back")}
            </button>
            <button type="submit" className="primary" disabled={busy} data-testid="generate">
              {t("onb.review.generate")}
            </button>
          </div>
        </form>
      );
      break;
    case "done":
      content = (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void run(async () => {
              await transport.call("node.start", {});
              await update({onboarded: true});
              onDone();
            });
          }}
        >
          {heading("onb.done.title")}
          <p>
            {result?.pubkeys.length === 1
              ? t("onb.done.keysWrittenOne")
              : t("onb.done.keysWritten", {n: result?.pubkeys.length ?? 0})}
          </p>
          <dl className="facts">
            <dt>{t("onb.done.keystores")}</dt>
            <dd>
              <code data-testid="keystores-dir">{result?.keystoresDir}</code>
            </dd>
            <dt>{t("onb.done.depositData")}</dt>
            <dd>
              <code data-testid="deposit-file">{result?.depositDataFile}</code>
            </dd>
          </dl>
          {result !== null && result.problems.length > 0 ? (
            <ul role="alert" className="error" data-testid="deposit-problems">
              {result.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : (
            <p className="ok" data-testid="deposit-valid">
              {t("onb.done.depositValid")}
            </p>
          )}
          <h2>{t("onb.done.pubkeys")}</h2>
          <ul className="pubkeys" data-testid="pubkeys">
            {result?.pubkeys.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
          {network !== "dev" && <p>{t("onb.done.depositNext")}</p>}
          {errorBox}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy} data-testid="start-node">
              {t("onb.done.start")}
            </button>
          </div>
        </form>
      );
      break;
  }

  return (
    <section className="card onboarding" aria-labelledby={undefined}>
      <ol className="stepper" aria-label={t("onb.progressLabel")}>
        {STEP_ORDER.map((s, i) => (
          <li
            key={s}
            className={i === progressIndex ? "current" : i < progressIndex ? "past" : ""}
            aria-current={i === progressIndex ? "step" : undefined}
          >
            {t(`onb.stepName.${s}` as MessageKey)}
          </li>
        ))}
      </ol>
      {content}
    </section>
  );
}

export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: (id: string, hintId: string | undefined) => ReactNode;
}): ReactNode {
  const id = useId();
  const hintId = hint !== undefined ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint !== undefined && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
