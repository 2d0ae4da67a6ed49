import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { vectorsConfig } from '../../config';
import { ChunkChanges } from '../chunks/chunk-changes';
import { VectorStore } from '../vectors/vector-store';
import { toPoint } from './chunk-point';
import { CollectionBindingRepository } from './collection-binding.repository';
import { OutboxRelay } from './outbox-relay.service';
import { RebuildRepository, type ChangedChunk } from './rebuild.repository';

/** A rebuild that did not complete; its message says what serves the alias now. */
export class RebuildFailed extends Error {}

export interface RebuildOptions {
  /** The model the stored embeddings must all come from; defaults to the bound (or only) one. */
  embeddingModel?: string;
  /** Keep the physical collections the alias served before (default: drop them after the switch). */
  keepOld?: boolean;
  /** How long to wait for chunks changed during the rebuild to reach the new collection. */
  catchUpWaitMs?: number;
  onProgress?: (message: string) => void;
}

export interface RebuildReport {
  alias: string;
  previous: string | null;
  collection: string;
  points: number;
  vector_size: number;
  embedding_model: string | null;
  /** Chunks changed while the rebuild ran, queued again so the new collection gets their last state. */
  requeued: number;
  drained: boolean;
  dropped: string[];
  duration_ms: number;
}

/**
 * How long a rebuild's lease lasts without renewal (renewed every quarter of it): long enough to
 * ride out a slow PostgreSQL, short enough that a killed rebuild blocks the next for a minute.
 */
const LEASE_TTL_MS = 60_000;

/** What serves the alias now, as a sentence; `serving` undefined means it could not be read. */
function servingNow(
  alias: string,
  previous: string | null,
  serving: string | null | undefined = previous,
): string {
  if (serving === undefined) return `What ${alias} points at could not be read (check GET /aliases)`;
  if (serving === null) {
    return `${alias} resolves to nothing: searches fail until an alias ${alias} is created (run the rebuild again)`;
  }
  if (serving === previous) return `${alias} still serves ${previous}`;
  return `${alias} points at ${serving}`;
}

/** Rounds of "apply changes made meanwhile, compare counts" before giving up on a busy system. */
const VERIFY_ROUNDS = 3;
/** Chunks read from Postgres per page while copying (the store batches its own requests). */
const PAGE_SIZE = 1_024;

/**
 * `vectors:rebuild`: recreates the vector index from Postgres into a new physical collection
 * `<name>_<UTC timestamp>` and moves the alias `<name>` to it once it holds exactly the live
 * chunks, so searches keep answering from the old collection until the switch.
 *
 * Writes made meanwhile go through the alias to the old collection. They are not lost: chunks
 * changed since the cutoff (the start of the oldest open transaction) are applied to the new
 * collection before the counts are compared, and queued in the outbox again after the switch, so
 * the relay brings whatever changed in between to the new collection too.
 */
@Injectable()
export class RebuildService {
  private readonly logger = new Logger(RebuildService.name);

  constructor(
    private readonly rows: RebuildRepository,
    private readonly bindings: CollectionBindingRepository,
    private readonly changes: ChunkChanges,
    private readonly relay: OutboxRelay,
    private readonly store: VectorStore,
    @Inject(vectorsConfig.KEY) private readonly config: ConfigType<typeof vectorsConfig>,
  ) {}

  async rebuild(options: RebuildOptions = {}): Promise<RebuildReport> {
    const alias = this.config.collection;
    const collection = `${alias}_${new Date().toISOString().replace(/\D/g, '')}`;
    const holder = randomUUID();
    const running = await this.rows.acquireLease(alias, holder, collection, LEASE_TTL_MS);
    if (running) {
      throw new RebuildFailed(
        `Refusing to rebuild: another rebuild of ${alias} is running (building ${running.collection} since ` +
          `${running.acquired_at}); nothing was changed. Wait for it to finish; if its process died, its lease ` +
          `expires at ${running.expires_at}.`,
      );
    }
    let lost = false;
    const heartbeat = setInterval(() => {
      this.rows.renewLease(alias, holder, LEASE_TTL_MS).then(
        (held) => (lost ||= !held),
        (error: Error) => this.logger.warn(`Could not renew the rebuild lease: ${error.message}`),
      );
    }, LEASE_TTL_MS / 4).unref();
    try {
      return await this.rebuildHoldingLease(alias, collection, options, async () => {
        // Checked right before the switch: a lease lost (expired while PostgreSQL was unreachable)
        // may belong to another rebuild by now, which must not be overtaken.
        if (lost || !(await this.rows.renewLease(alias, holder, LEASE_TTL_MS))) {
          throw new RebuildFailed('the rebuild lease was lost (another rebuild may have started)');
        }
      });
    } finally {
      clearInterval(heartbeat);
      await this.rows.releaseLease(alias, holder).catch((error: Error) => {
        this.logger.warn(`Could not release the rebuild lease (it expires by itself): ${error.message}`);
      });
    }
  }

  private async rebuildHoldingLease(
    alias: string,
    collection: string,
    options: RebuildOptions,
    stillHeld: () => Promise<void>,
  ): Promise<RebuildReport> {
    const started = Date.now();
    const progress = (message: string) => {
      this.logger.log(message);
      options.onProgress?.(message);
    };
    const model = await this.checkEmbeddings(options.embeddingModel);
    const cutoff = await this.rows.changeCutoff();
    const previous = await this.store.servingCollection();
    progress(`Rebuilding ${alias} (now ${previous ?? 'missing'}) into ${collection}`);

    const target = await this.store.onCollection(collection);
    let points: number;
    let created = false;
    try {
      created = (await target.collectionInfo()) === null;
      await target.ensureCollection();
      await this.copy(target, progress);
      points = await this.verify(target, cutoff, progress);
      await stillHeld();
    } catch (error) {
      await target.close();
      // Only what this rebuild created is dropped; if even that fails, it is only clutter.
      if (created) await this.store.dropCollection(collection).catch(() => undefined);
      throw new RebuildFailed(
        `${(error as Error).message}. Nothing was switched: ${servingNow(alias, previous)}`,
      );
    }
    await target.close();

    await this.switchTo(alias, collection, previous, progress);
    progress(`Switched ${alias} to ${collection} (${points} points)`);
    let requeued: string[];
    let drained: boolean;
    let dropped: string[];
    try {
      if (model) {
        await this.bindings.rebind(alias, { embedding_model: model, vector_size: this.config.vectorSize });
      }
      requeued = await this.requeueChanged(cutoff);
      drained = await this.relay.waitUntilSynced(requeued, options.catchUpWaitMs ?? 30_000);
      dropped = options.keepOld ? [] : await this.dropPrevious(alias, collection);
    } catch (error) {
      throw new RebuildFailed(
        `${alias} was switched to ${collection}, which now serves, but the follow-up failed: ` +
          `${(error as Error).message} (run the consistency repair, or the rebuild again)`,
      );
    }
    dropped.forEach((name) => progress(`Dropped ${name}`));

    return {
      alias,
      previous,
      collection,
      points,
      vector_size: this.config.vectorSize,
      embedding_model: model,
      requeued: requeued.length,
      drained,
      dropped,
      duration_ms: Date.now() - started,
    };
  }

  /**
   * Moves the alias, and after any failure or timeout reads back what it points at: an alias
   * change can be applied after the client gave up (Qdrant in cluster mode waits for consensus up
   * to 10 s), or not at all. Reports the truth either way. The new collection is never dropped
   * here: a switch that lands late must find it.
   */
  private async switchTo(
    alias: string,
    collection: string,
    previous: string | null,
    progress: (message: string) => void,
  ): Promise<void> {
    let failure: Error | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        await this.store.switchAlias(collection);
        return;
      } catch (error) {
        failure = error as Error;
      }
      const serving = await this.store.servingCollection().catch(() => undefined);
      if (serving === collection) {
        progress(
          `The alias change answered "${failure.message}", but ${alias} points at ${collection}: it was applied`,
        );
        return;
      }
      // The first switch from a plain collection deletes it before the alias can take its name;
      // if the alias then failed, nothing serves: try the alias once more (the target exists).
      if (serving !== null || attempt === 2) {
        throw new RebuildFailed(
          `Switching ${alias} to ${collection} failed (${failure.message}). ${servingNow(alias, previous, serving)}. ` +
            `${collection} is kept, unaliased, in case the switch still lands; the next rebuild drops it.`,
        );
      }
    }
  }

  /**
   * A rebuild copies the stored embeddings; it cannot re-embed text. Every live chunk must
   * therefore already have VECTOR_SIZE dimensions and come from the one model the collection
   * will be bound to. Returns that model (null when there are no chunks and no binding).
   */
  private async checkEmbeddings(requested: string | undefined): Promise<string | null> {
    const profile = await this.rows.embeddingProfile();
    const size = this.config.vectorSize;
    const wrongSize = profile.filter((p) => p.vector_size !== size);
    if (wrongSize.length > 0) {
      const found = wrongSize.map((p) => `${p.chunks} with ${p.vector_size} dimensions`).join(', ');
      throw new RebuildFailed(
        `Refusing to rebuild: VECTOR_SIZE is ${size} but Postgres holds live chunks whose embeddings ` +
          `have another size (${found}). A rebuild copies the stored embeddings and cannot resize them: ` +
          'set VECTOR_SIZE to their size, or re-ingest those chunks with embeddings of the new size first.',
      );
    }
    const model =
      requested ??
      (await this.bindings.find(this.config.collection))?.embedding_model ??
      profile[0]?.embedding_model ??
      null;
    const otherModels = profile.filter((p) => p.embedding_model !== model);
    if (otherModels.length > 0) {
      const found = otherModels.map((p) => `${p.chunks} from ${p.embedding_model}`).join(', ');
      throw new RebuildFailed(
        `Refusing to rebuild: the collection would be bound to ${model}, but Postgres holds live chunks ` +
          `embedded by other models (${found}). Vectors of two models are not comparable: re-ingest ` +
          'those chunks with the target model, or pass --embedding-model with the model they all share.',
      );
    }
    return model;
  }

  /** Streams every live chunk in keyset pages (memory bounded by the page size) into `target`. */
  private async copy(target: VectorStore, progress: (message: string) => void): Promise<void> {
    const total = await this.rows.liveCount();
    const pageSize = PAGE_SIZE;
    let copied = 0;
    for (let after: string | null = null; ;) {
      const page = await this.rows.livePage(after, pageSize);
      if (page.length === 0) break;
      await target.upsert(page.map(toPoint));
      copied += page.length;
      after = page[page.length - 1].chunk_id;
      progress(`Copied ${copied}/${total} chunks`);
    }
  }

  /**
   * Applies the changes made since the cutoff to `target`, then compares its point count with
   * Postgres' live count; repeats a few times when writes keep landing in between.
   */
  private async verify(target: VectorStore, cutoff: string, progress: (message: string) => void) {
    for (let round = 1; ; round++) {
      await this.forEachChanged(cutoff, async (changed) => {
        const live = await this.rows.liveByIds(changed.map((c) => c.chunk_id));
        const liveIds = new Set(live.map((c) => c.chunk_id));
        if (live.length > 0) await target.upsert(live.map(toPoint));
        const gone = changed.filter((c) => !liveIds.has(c.chunk_id)).map((c) => c.chunk_id);
        if (gone.length > 0) await target.deleteByIds(gone);
      });
      const [points, live] = [await target.count(), await this.rows.liveCount()];
      progress(`Verified: ${points} points for ${live} live chunks`);
      if (points === live) return points;
      if (round === VERIFY_ROUNDS) {
        throw new RebuildFailed(
          `The new collection holds ${points} points but Postgres has ${live} live chunks ` +
            `(after ${round} rounds of catching up with concurrent writes); not switching. ` +
            'Run the rebuild again when writes are quieter.',
        );
      }
    }
  }

  /** Queues every chunk changed since the cutoff again, as one transaction per page. */
  private async requeueChanged(cutoff: string): Promise<string[]> {
    const ids: string[] = [];
    await this.forEachChanged(cutoff, async (page) => {
      const { changed } = await this.changes.apply(() =>
        Promise.resolve({
          upserted: page.filter((c) => !c.deleted).map((c) => c.chunk_id),
          deleted: page.filter((c) => c.deleted).map((c) => c.chunk_id),
          audit: null,
          result: undefined,
        }),
      );
      ids.push(...changed);
    });
    return ids;
  }

  private async forEachChanged(cutoff: string, fn: (page: ChangedChunk[]) => Promise<void>): Promise<void> {
    const pageSize = PAGE_SIZE;
    for (let after: string | null = null; ;) {
      const page = await this.rows.changedPage(cutoff, after, pageSize);
      if (page.length === 0) return;
      await fn(page);
      after = page[page.length - 1].chunk_id;
    }
  }

  /** Earlier rebuilds' collections of this alias (named `<alias>_<timestamp>`) that nothing points at. */
  private async dropPrevious(alias: string, current: string): Promise<string[]> {
    const pattern = new RegExp(`^${alias}_\\d{17}$`);
    const stale = (await this.store.listCollections())
      .filter((c) => c.name !== current && pattern.test(c.name) && c.aliases.length === 0)
      .map((c) => c.name);
    for (const name of stale) await this.store.dropCollection(name);
    return stale;
  }
}
