import {type ReactNode, useCallback, useEffect, useState} from "react";
import type {AppInfo, Language, Settings, Theme} from "../shared/contract.ts";
import {AlertsBar} from "./components/AlertsBar.tsx";
import {I18nProvider, translator} from "./i18n/i18n.tsx";
import {Dashboard} from "./screens/Dashboard.tsx";
import {DutiesScreen} from "./screens/Duties.tsx";
import {KeysScreen} from "./screens/Keys.tsx";
import {MigrationScreen} from "./screens/Migration.tsx";
import {Onboarding} from "./screens/Onboarding.tsx";
import {SettingsScreen} from "./screens/Settings.tsx";
import {transport} from "./transport.ts";

type View = "onboarding" | "dashboard" | "settings" | "keys" | "migrate" | "duties";

function effectiveTheme(theme: Theme): "light" | "dark" {
  if (theme !== "system") return theme;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function App(): ReactNode {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [view, setView] = useState<View>("onboarding");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void Promise.all([transport.call("settings.get", {}), transport.call("app.info", {})])
      .then(([s, i]) => {
        setSettings(s);
        setInfo(i);
        setView(s.onboarded || i.attached ? "dashboard" : "onboarding");
      })
      .catch((e: Error) => setError(e.message));
  }, []);

  const lang: Language = settings?.language ?? (navigator.language.startsWith("es") ? "es" : "en");
  const theme = effectiveTheme(settings?.theme ?? "system");
  useEffect(() => {
    document.documentElement.lang = lang;
    document.documentElement.dataset.theme = theme;
    document.title = translator(lang)("app.title");
  }, [lang, theme]);

  const update = useCallback(async (patch: Partial<Settings>): Promise<Settings> => {
    const s = await transport.call("settings.set", patch);
    setSettings(s);
    return s;
  }, []);

  const t = translator(lang);
  let body: ReactNode;
  if (error !== null) {
    body = (
      <p role="alert" className="error">
        {t("app.hostError", {message: error})}
      </p>
    );
  } else if (settings === null || info === null) {
    body = <p aria-live="polite">{t("app.loading")}</p>;
  } else if (view === "onboarding") {
    body = (
      <Onboarding
        info={info}
        settings={settings}
        update={update}
        onDone={() => {
          setView("dashboard");
        }}
      />
    );
  } else {
    // the dashboard stays mounted behind Settings so its balance history and event feed continue
    body = (
      <>
        <div hidden={view !== "dashboard"}>
          <Dashboard settings={settings} attached={info.attached} />
        </div>
        {view === "settings" && <SettingsScreen info={info} settings={settings} update={update} />}
        {view === "keys" && <KeysScreen />}
        {view === "migrate" && <MigrationScreen />}
        {view === "duties" && <DutiesScreen />}
      </>
    );
  }

  return (
    <I18nProvider lang={lang}>
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="topbar">
        <span className="brand" aria-hidden="true">
          ceibo
        </span>
        {(settings?.onboarded === true || info?.attached === true) && (
          <nav aria-label={t("nav.label")}>
            <button
              type="button"
              className="navlink"
              aria-current={view === "dashboard" ? "page" : undefined}
              onClick={() => setView("dashboard")}
            >
              {t("nav.dashboard")}
            </button>
            <button
              type="button"
              className="navlink"
              aria-current={view === "settings" ? "page" : undefined}
              onClick={() => setView("settings")}
            >
              {t("nav.settings")}
            </button>
            <button
              type="button"
              className="navlink"
              aria-current={view === "keys" ? "page" : undefined}
              onClick={() => setView("keys")}
              data-testid="nav-keys"
            >
              {t("nav.keys")}
            </button>
            <button
              type="button"
              className="navlink"
              data-testid="nav-migrate"
              aria-current={view === "migrate" ? "page" : undefined}
              onClick={() => setView("migrate")}
            >
              {t("nav.migrate")}
            </button>
            <button
              type="button"
              className="navlink"
              data-testid="nav-duties"
              aria-current={view === "duties" ? "page" : undefined}
              onClick={() => setView("duties")}
            >
              {t("nav.duties")}
            </button>
          </nav>
        )}
        <div className="topbar-tools">
          <label className="inline">
            <span className="visually-hidden">{t("settings.language")}</span>
            <select
              data-testid="language-select"
              value={lang}
              onChange={(e) => void update({language: e.target.value as Language})}
              disabled={settings === null}
            >
              <option value="en">{t("lang.en")}</option>
              <option value="es">{t("lang.es")}</option>
            </select>
          </label>
          <button
            type="button"
            data-testid="theme-toggle"
            aria-pressed={theme === "dark"}
            disabled={settings === null}
            onClick={() => void update({theme: theme === "dark" ? "light" : "dark"})}
          >
            {theme === "dark" ? t("theme.useLight") : t("theme.useDark")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {settings !== null && <AlertsBar />}
        {body}
      </main>
    </I18nProvider>
  );
}
