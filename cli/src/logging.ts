/** The log options `ceibo beacon` and `ceibo validator` share, and the line sink they make. */
import {resolve} from "node:path";
import type {LogFormat} from "@ceibo/config";
import {UsageError} from "./command.ts";
import {RotatingLogFile} from "./logFile.ts";
import {type OptionTable, optionHelp} from "./options.ts";

export const DEFAULT_LOG_FILE_RETENTION = 7;

export const LOG_OPTIONS = {
  "log-format": {
    type: "string",
    help: "--log-format FORMAT       human (default) or json: one JSON object per line (time, level, module, msg, fields)",
  },
  "log-file": {
    type: "string",
    help: "--log-file PATH           also append the log to PATH, rotated daily to PATH's name + .YYYY-MM-DD",
  },
  "log-file-retention": {
    type: "string",
    help: `--log-file-retention N    rotated log files kept (default ${DEFAULT_LOG_FILE_RETENTION}: a week; older ones are deleted)`,
  },
} as const satisfies OptionTable;

export const LOG_HELP = optionHelp(LOG_OPTIONS);

export interface LogSink {
  format: LogFormat;
  /** Writes one line to the console stream and the log file. */
  write(line: string): void;
  /** The log file, if any. */
  file: RotatingLogFile | null;
  close(): void;
}

/** Checks the log options and opens the log file; `console` writes a line to the process's log stream. */
export function openLogSink(
  values: {"log-format"?: string; "log-file"?: string; "log-file-retention"?: string},
  console: (line: string) => void,
): LogSink {
  const format = values["log-format"] ?? "human";
  if (format !== "human" && format !== "json") {
    throw new UsageError(`--log-format must be human or json, got "${format}"`);
  }
  const retentionText = values["log-file-retention"];
  if (retentionText !== undefined && !/^\d+$/.test(retentionText)) {
    throw new UsageError(`--log-file-retention must be a non-negative integer, got "${retentionText}"`);
  }
  if (retentionText !== undefined && values["log-file"] === undefined) {
    throw new UsageError("--log-file-retention needs --log-file");
  }
  let file: RotatingLogFile | null = null;
  if (values["log-file"] !== undefined) {
    try {
      file = new RotatingLogFile({
        path: resolve(values["log-file"]),
        retention: retentionText === undefined ? DEFAULT_LOG_FILE_RETENTION : Number(retentionText),
      });
    } catch (e) {
      throw new UsageError(`--log-file: ${(e as Error).message}`);
    }
  }
  return {
    format,
    file,
    write(line) {
      console(line);
      file?.write(line);
    },
    close() {
      file?.close();
    },
  };
}
