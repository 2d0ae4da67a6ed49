import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit-logs/audit-entry';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import { Transactions, type Transaction } from '../database/transactions';
import { ChunkOutboxRepository } from './chunk-outbox.repository';

/** What one unit of work did to `chunks`, as its callback reports it. */
export interface ChunkChangeSet<T> {
  /** Chunks whose point must be (re)written from their row. */
  upserted?: readonly string[];
  /** Chunks whose point must go. */
  deleted?: readonly string[];
  /** The audit row; null for maintenance that only re-queues work (repair, rebuild catch-up). */
  audit: AuditEntry | null;
  result: T;
}

export interface AppliedChunkChanges<T> {
  result: T;
  /** Every chunk whose point the vector store must now follow: wait on these for searchability. */
  changed: string[];
}

/**
 * THE unit of work for chunk changes: one transaction holds the rows `work` writes, the outbox
 * rows for every chunk it changed and the audit row, so Qdrant hears about exactly the changes
 * Postgres committed, and a crash can never leave the two disagreeing without outbox work that
 * repairs it. Every writer of `chunks` goes through here.
 */
@Injectable()
export class ChunkChanges {
  constructor(
    private readonly transactions: Transactions,
    private readonly outbox: ChunkOutboxRepository,
    private readonly audit: AuditLogsService,
  ) {}

  apply<T>(work: (tx: Transaction) => Promise<ChunkChangeSet<T>>): Promise<AppliedChunkChanges<T>> {
    return this.transactions.run(async (tx) => {
      const { upserted = [], deleted = [], audit, result } = await work(tx);
      await this.outbox.enqueue(tx, upserted, 'upsert');
      await this.outbox.enqueue(tx, deleted, 'delete');
      if (audit) await this.audit.record(tx, audit);
      return { result, changed: [...upserted, ...deleted] };
    });
  }
}
