import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { syncConfig } from '../../config';
import { MetricsService } from '../observability/metrics.service';
import { VectorStore } from '../vectors/vector-store';
import { ConsistencyRepository, type ChunkForCheck } from './consistency.repository';
import { classifyRow, DRIFT_KINDS, type DriftKind } from './drift';

export { DRIFT_KINDS, type DriftKind } from './drift';

const SAMPLE_SIZE = 20;
const PAGE_SIZE = 500;

export interface DriftEntry {
  count: number;
  sample_ids: string[];
}

export interface ConsistencyReport {
  checked_at: string;
  duration_ms: number;
  postgres: { live: number; deleted: number };
  vector_store: { points: number };
  consistent: boolean;
  drift: Record<DriftKind, DriftEntry>;
}

/**
 * Compares Postgres (the system of record) with the vector store in two streaming passes, each
 * bounded in memory by the page size: rows → points (missing, stale, deleted but present,
 * stuck, failed), then points → rows (orphans). Neither pass relies on the two sides sorting
 * ids the same way.
 */
@Injectable()
export class ConsistencyService {
  constructor(
    private readonly rows: ConsistencyRepository,
    private readonly vectorStore: VectorStore,
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
    private readonly metrics: MetricsService,
  ) {}

  async check(): Promise<ConsistencyReport> {
    return this.scan(() => undefined);
  }

  /** The report; `onDrift` hears every drifted id as it is found (repair collects them). */
  async scan(onDrift: (kind: DriftKind, chunkId: string) => void): Promise<ConsistencyReport> {
    const started = Date.now();
    const drift = Object.fromEntries(
      DRIFT_KINDS.map((kind): [DriftKind, DriftEntry] => [kind, { count: 0, sample_ids: [] }]),
    ) as Record<DriftKind, DriftEntry>;
    const note = (kind: DriftKind, id: string) => {
      drift[kind].count++;
      if (drift[kind].sample_ids.length < SAMPLE_SIZE) drift[kind].sample_ids.push(id);
      onDrift(kind, id);
    };
    const postgres = { live: 0, deleted: 0 };

    for (let after: string | null = null; ;) {
      const page: ChunkForCheck[] = await this.rows.page(after, PAGE_SIZE);
      if (page.length === 0) break;
      after = page[page.length - 1].chunk_id;
      const points = new Map(
        (await this.vectorStore.retrieve(page.map((r) => r.chunk_id))).map((p) => [p.id, p.payload]),
      );
      for (const row of page) {
        if (row.deleted) postgres.deleted++;
        else postgres.live++;
        const kind = classifyRow(row, points.get(row.chunk_id), this.config.stuckAfterMs);
        if (kind) note(kind, row.chunk_id);
      }
    }

    let points = 0;
    for (let offset: string | null | undefined = undefined; offset !== null;) {
      const page = await this.vectorStore.scrollIds({ limit: PAGE_SIZE, offset });
      points += page.ids.length;
      const known = await this.rows.existing(page.ids);
      for (const id of page.ids) if (!known.has(id)) note('orphaned_in_vector_store', id);
      offset = page.next_offset;
    }

    this.metrics.setDrift(Object.fromEntries(DRIFT_KINDS.map((kind) => [kind, drift[kind].count])));
    return {
      checked_at: new Date(started).toISOString(),
      duration_ms: Date.now() - started,
      postgres,
      vector_store: { points },
      consistent: DRIFT_KINDS.every((k) => drift[k].count === 0),
      drift,
    };
  }
}
