/**
 * Block writes that failed on a database I/O error (a full disk, above all): fork choice already holds the block,
 * so instead of failing the import with the block half in (in memory, not on disk) the batch is kept and written
 * again — oldest first, before any newer block's batch — at the next import and at every slot, until the disk
 * takes it. Nothing newer reaches the disk before it, so the database always holds a chain without gaps; blocks
 * still waiting when the process dies are simply not there after a restart (as if never received). Finality is
 * not archived while writes wait (archiving needs the blocks on disk).
 */
import {type DbBatch, isDbError} from "../db/index.ts";
import type {Logger} from "./logger.ts";

export class DeferredBlockWrites {
  private readonly queue: {batch: DbBatch; slot: number; root: string}[] = [];
  private readonly logger: Logger;
  private failing = false;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Blocks imported but not yet on disk. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Writes `batch` (a block's) after every earlier one still waiting. A database I/O error keeps it for the next
   * try (logged once per outage); other errors are thrown.
   */
  async write(batch: DbBatch, slot: number, root: string): Promise<void> {
    this.queue.push({batch, slot, root});
    await this.flush();
  }

  /** Writes what waits, oldest first; true when nothing is left waiting. */
  async flush(): Promise<boolean> {
    while (this.queue.length > 0) {
      const next = this.queue[0];
      try {
        await next.batch.write();
      } catch (e) {
        if (!isDbError(e, "IO_ERROR")) {
          this.queue.shift();
          throw e;
        }
        if (!this.failing) {
          this.logger.error(
            `Cannot write block ${next.slot} ${next.root} to the database: ${(e as Error).message}. ` +
              "The node keeps importing in memory and writes the waiting blocks once the database takes writes " +
              "again (free disk space); blocks not yet written are lost if it stops before",
          );
        }
        this.failing = true;
        return false;
      }
      this.queue.shift();
    }
    if (this.failing) {
      this.failing = false;
      this.logger.info("The database takes writes again: the waiting blocks are written");
    }
    return true;
  }
}
