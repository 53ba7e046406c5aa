export interface Command {
  /** One line for `ceibo --help`. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad command-line input: printed as-is with the command's usage hint. */
export class UsageError extends Error {}
