import { AsyncResource } from 'node:async_hooks';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { commonLexemes, isCommonWord, type TermStatistics } from './common-terms';
import { RetrievalRepository } from './retrieval.repository';

/**
 * How long a read of the term statistics is used before the next request re-reads them. They
 * change only when `chunks` is analysed (after a load, or by autovacuum), and a lexeme's share of
 * the book moves slowly; re-reading on a request, not on a timer, lets an idle Neon compute
 * suspend.
 */
const REFRESH_MS = 60_000;

/**
 * The text leg's common lexemes (src/retrieval/common-terms.ts), from the statistics PostgreSQL
 * keeps, read in the background: a request uses the last read and never waits for one (before the
 * first read completes, nothing is common, as on a small book).
 */
@Injectable()
export class TermStatisticsCache implements OnApplicationShutdown {
  private readonly logger = new Logger(TermStatisticsCache.name);
  private statistics: TermStatistics = { lexemes: [], frequencies: [], rows: 0 };
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;
  /** Per match limit (hybrid and selected text ask with different ones), until the next read. */
  private readonly common = new Map<number, { lexemes: string[]; isCommon: (word: string) => boolean }>();
  /**
   * Created at start-up, outside any request: reads run in it, so their statement belongs to no
   * request's async context (it is not on any request's hot path).
   */
  private readonly background = new AsyncResource(TermStatisticsCache.name);

  constructor(private readonly repository: RetrievalRepository) {}

  /** The lexemes that alone match more than `matchLimit` chunks, as of the last read. */
  commonLexemes(matchLimit: number): readonly string[] {
    return this.commonFor(matchLimit).lexemes;
  }

  /** Whether a word (as wordsOf reads it) stems to one of commonLexemes(`matchLimit`). */
  commonWords(matchLimit: number): (word: string) => boolean {
    return this.commonFor(matchLimit).isCommon;
  }

  private commonFor(matchLimit: number): { lexemes: string[]; isCommon: (word: string) => boolean } {
    if (!this.reading && performance.now() - this.readAt > REFRESH_MS) this.startRead();
    let common = this.common.get(matchLimit);
    if (!common) {
      const lexemes = commonLexemes(this.statistics, matchLimit);
      const set = new Set(lexemes);
      common = { lexemes, isCommon: (word) => isCommonWord(set, word) };
      this.common.set(matchLimit, common);
    }
    return common;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reading;
  }

  private startRead(): void {
    this.readAt = performance.now();
    this.reading = this.background
      .runInAsyncScope(() => this.repository.readTermStatistics())
      .then(
        (statistics) => {
          this.statistics = statistics;
          this.common.clear();
        },
        (error: Error) => this.logger.warn(`reading the text search statistics failed: ${error.message}`),
      )
      .finally(() => (this.reading = null));
  }
}
