/** The supervised processes' output: the tail once, then live lines; filtered by level and process. */
import {type ReactNode, useEffect, useRef, useState} from "react";
import type {LogLine, ProcessName} from "../../shared/contract.ts";
import {type MessageKey, useT} from "../i18n/i18n.tsx";
import {transport} from "../transport.ts";

const LEVELS = ["all", "error", "warn", "info", "debug"] as const;
type Level = (typeof LEVELS)[number];
const RANK: Record<Exclude<Level, "all">, number> = {error: 0, warn: 1, info: 2, debug: 3};
const MAX_LINES = 500;

interface Line extends LogLine {
  process: ProcessName;
  level: Exclude<Level, "all">;
}

function levelOf(text: string, stream: LogLine["stream"]): Exclude<Level, "all"> {
  const m = /\b(ERROR|WARN|INFO|DEBUG|TRACE)\b/.exec(text);
  if (m === null) return stream === "stderr" ? "warn" : "info";
  const l = m[1].toLowerCase();
  return l === "trace" ? "debug" : (l as Exclude<Level, "all">);
}

export function LogViewer(): ReactNode {
  const t = useT();
  const [lines, setLines] = useState<Line[]>([]);
  const [level, setLevel] = useState<Level>("info");

  useEffect(() => {
    let cancelled = false;
    void Promise.all(
      (["dev", "beacon", "validator"] as const).map((p) =>
        transport
          .call("logs.tail", {process: p, lines: 200})
          .then((r) => r.lines.map((l) => ({...l, process: p, level: levelOf(l.text, l.stream)})))
          .catch(() => [] as Line[]),
      ),
    ).then((all) => {
      if (cancelled) return;
      setLines((live) => [...all.flat().sort((a, b) => a.ts - b.ts), ...live].slice(-MAX_LINES));
    });
    const off = transport.onEvent((e) => {
      if (e.type !== "log") return;
      const l: Line = {...e.line, process: e.process, level: levelOf(e.line.text, e.line.stream)};
      setLines((prev) => [...prev, l].slice(-MAX_LINES));
    });
    return () => {
      cancelled = true;
      off();
    };
  }, []);

  const pre = useRef<HTMLPreElement>(null);
  /** Follow the newest lines unless the user scrolled up. */
  const follow = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when new lines arrive
  useEffect(() => {
    const el = pre.current;
    if (el !== null && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines, level]);

  const shown = level === "all" ? lines : lines.filter((l) => RANK[l.level] <= RANK[level]);
  return (
    <div className="logs">
      <label className="inline">
        <span>{t("logs.level")}</span>{" "}
        <select data-testid="log-level" value={level} onChange={(e) => setLevel(e.target.value as Level)}>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {t(`logs.level.${l}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      <pre
        ref={pre}
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
        className="log-lines"
        data-testid="log-lines"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        tabIndex={0}
        role="log"
        aria-live="off"
        aria-label={t("logs.region")}
      >
        {shown.length === 0
          ? t("logs.empty")
          : shown
              .slice(-200)
              .map((l) => `[${l.process}] ${l.text}`)
              .join("\n")}
      </pre>
    </div>
  );
}
