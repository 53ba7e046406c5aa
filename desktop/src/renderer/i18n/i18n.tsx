/** English + Spanish. Every string the UI renders comes from en.json / es.json (same key sets, tested). */
import {createContext, type ReactNode, useContext} from "react";
import type {Language} from "../../shared/contract.ts";
import en from "./en.json" with {type: "json"};
import es from "./es.json" with {type: "json"};

export type MessageKey = keyof typeof en;
export const MESSAGES: Record<Language, Record<MessageKey, string>> = {en, es};

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Language): Translate {
  const table = MESSAGES[lang];
  return (key, vars) => {
    let s = table[key] ?? MESSAGES.en[key] ?? key;
    if (vars !== undefined) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
    return s;
  };
}

const I18nContext = createContext<{lang: Language; t: Translate}>({lang: "en", t: translator("en")});

export function I18nProvider({lang, children}: {lang: Language; children: ReactNode}): ReactNode {
  return <I18nContext.Provider value={{lang, t: translator(lang)}}>{children}</I18nContext.Provider>;
}

export function useT(): Translate {
  return useContext(I18nContext).t;
}

export function useLang(): Language {
  return useContext(I18nContext).lang;
}
