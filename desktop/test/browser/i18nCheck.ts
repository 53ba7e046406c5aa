/** Checks that every string a screen renders comes from the message table of its language. */
import type {Page} from "playwright-core";
import en from "../../src/renderer/i18n/en.json" with {type: "json"};
import es from "../../src/renderer/i18n/es.json" with {type: "json"};

export const TABLES: Record<"en" | "es", Record<string, string>> = {en, es};

/** Data, not words: numbers, hex, paths, versions, dashes. */
const DATA = /^(?:[\d\s.,:#—–+%…-]+|0x[0-9a-f…]+|\/\S*|v?\d+\.\d+\.\d+\S*)$/i;

function templates(lang: "en" | "es"): RegExp[] {
  return Object.values(TABLES[lang])
    .filter((v) => v !== "")
    .map((v) => new RegExp(`^${v.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, ".+?")}$`, "s"));
}

/** The rendered strings (text nodes outside code/logs, aria-labels) that match no message of `lang`. */
export async function foreignStrings(page: Page, lang: "en" | "es"): Promise<string[]> {
  const strings = await page.evaluate(() => {
    const out: string[] = [];
    const skip = "code, pre, script, style, [aria-hidden='true'], .word-grid, .tick";
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const text = (n.textContent ?? "").trim();
      if (text === "" || n.parentElement?.closest(skip) != null) continue;
      out.push(text);
    }
    for (const el of document.querySelectorAll("[aria-label]")) {
      if (el.closest(skip) == null) out.push(el.getAttribute("aria-label") ?? "");
    }
    out.push(document.title);
    return out;
  });
  const tpl = templates(lang);
  return strings
    .flatMap((s) => s.split(" · "))
    .map((s) => s.trim())
    .filter((s) => s !== "" && !DATA.test(s) && !tpl.some((re) => re.test(s)));
}
