/** Settings: language, theme, and the node's connections (execution client, checkpoint sync, beacon node). */
import {type FormEvent, type ReactNode, useState} from "react";
import type {AppInfo, Language, Settings, Theme} from "../../shared/contract.ts";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {Field} from "./Onboarding.tsx";

interface Props {
  info: AppInfo;
  settings: Settings;
  update: (patch: Partial<Settings>) => Promise<Settings>;
}

const orNull = (s: string): string | null => (s.trim() === "" ? null : s.trim());

export function SettingsScreen({info, settings, update}: Props): ReactNode {
  const t = useT();
  const [executionUrl, setExecutionUrl] = useState(settings.executionUrl ?? "");
  const [checkpointUrl, setCheckpointUrl] = useState(settings.checkpointSyncUrl ?? "");
  const [beaconUrl, setBeaconUrl] = useState(settings.beaconUrl ?? "");
  const [status, setStatus] = useState<{ok: boolean; text: string} | null>(null);

  const save = (e: FormEvent): void => {
    e.preventDefault();
    setStatus(null);
    update({executionUrl: orNull(executionUrl), checkpointSyncUrl: orNull(checkpointUrl), beaconUrl: orNull(beaconUrl)})
      .then(() => setStatus({ok: true, text: t("settings.saved")}))
      .catch((err: Error) => setStatus({ok: false, text: err.message}));
  };

  return (
    <section className="card">
      <h1 tabIndex={-1} data-testid="settings-title">
        {t("settings.title")}
      </h1>
      <h2>{t("settings.appearance")}</h2>
      <div className="row">
        <Field label={t("settings.language")}>
          {(id) => (
            <select
              id={id}
              data-testid="settings-language"
              value={settings.language}
              onChange={(e) => void update({language: e.target.value as Language})}
            >
              <option value="en">{t("lang.en")}</option>
              <option value="es">{t("lang.es")}</option>
            </select>
          )}
        </Field>
        <Field label={t("settings.theme")}>
          {(id) => (
            <select
              id={id}
              data-testid="settings-theme"
              value={settings.theme}
              onChange={(e) => void update({theme: e.target.value as Theme})}
            >
              {(["system", "light", "dark"] as const).map((th) => (
                <option key={th} value={th}>
                  {t(`theme.${th}` as MessageKey)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <h2>{t("settings.node")}</h2>
      <dl className="facts">
        <dt>{t("onb.review.network")}</dt>
        <dd>{t(`network.${settings.network}` as MessageKey)}</dd>
        <dt>{t("onb.welcome.dataDir")}</dt>
        <dd>
          <code>{info.dataDir}</code>
        </dd>
        <dt>{t("onb.done.keystores")}</dt>
        <dd>
          <code>{settings.keystoresDir ?? t("common.none")}</code>
        </dd>
      </dl>
      {settings.network === "dev" ? (
        <p>{t("onb.execution.devAutomatic")}</p>
      ) : (
        <form onSubmit={save}>
          <Field label={t("onb.execution.engineUrl")} hint={t("onb.execution.engineUrlHint")}>
            {(id, hintId) => (
              <input
                id={id}
                aria-describedby={hintId}
                type="url"
                value={executionUrl}
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
          <Field label={t("settings.beaconUrl")} hint={t("settings.beaconUrlHint")}>
            {(id, hintId) => (
              <input
                id={id}
                aria-describedby={hintId}
                type="url"
                value={beaconUrl}
                onChange={(e) => setBeaconUrl(e.target.value)}
              />
            )}
          </Field>
          <div className="actions">
            <button type="submit" className="primary">
              {t("settings.save")}
            </button>
          </div>
        </form>
      )}
      {status !== null && (
        <p role={status.ok ? "status" : "alert"} className={status.ok ? "ok" : "error"}>
          {status.text}
        </p>
      )}
    </section>
  );
}
