/**
 * Incremental parser of a text/event-stream (the WHATWG "event stream interpretation"): `event:` and `data:`
 * fields, a blank line dispatches, `:` lines are comments, `id:`/`retry:` are ignored.
 */
export class SseParser {
  private buffer = "";
  private eventName = "";
  private data: string[] = [];
  private readonly emit: (event: string, data: string) => void;

  constructor(emit: (event: string, data: string) => void) {
    this.emit = emit;
  }

  push(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buffer);
      if (m === null) return;
      // A lone \r at the end of the buffer may be the first half of \r\n: wait for more.
      if (m[0] === "\r" && m.index === this.buffer.length - 1) return;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === "") {
      if (this.data.length > 0) this.emit(this.eventName || "message", this.data.join("\n"));
      this.eventName = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.eventName = value;
    else if (field === "data") this.data.push(value);
  }
}
