import type {HostErrorBody} from "../shared/contract.ts";

/** A refusal the caller can act on: it crosses the boundary with its code and message. */
export class HostError extends Error {
  readonly code: HostErrorBody["error"]["code"];
  constructor(code: HostErrorBody["error"]["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export function badRequest(message: string): HostError {
  return new HostError("BAD_REQUEST", message);
}
