/**
 * The structured logger every module writes to: `log.info("Imported block", {slot, root})`. The context is a flat
 * record of values; never put secrets (keys, passwords, mnemonics) in a message or its context.
 * Implementations: the beacon node's and validator client's line loggers (`[module]` tag, human or JSON lines).
 */
export interface Logger {
  error(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  debug(message: string, context?: Record<string, unknown>): void;
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = {error() {}, warn() {}, info() {}, debug() {}};
