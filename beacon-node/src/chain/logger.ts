/** The structured logger the chain and node write to (`log.info("Imported block", {slot, root})`). */
export interface Logger {
  error(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  debug(message: string, context?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {error() {}, warn() {}, info() {}, debug() {}};
