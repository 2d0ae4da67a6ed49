import type { Timings } from './retrieval.types';

type Stage = Exclude<keyof Timings, 'total'>;

/** Wall-clock time per retrieval stage, in milliseconds with two decimals. */
export class StageTimer {
  private readonly started = performance.now();
  private readonly spent: Record<Stage, number> = { embed: 0, vector_search: 0, metadata: 0 };

  async measure<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.spent[stage] += performance.now() - start;
    }
  }

  /** Stages that run concurrently overlap, so they may add up to more than `total`. */
  timings(): Timings {
    const round = (ms: number) => Math.round(ms * 100) / 100;
    return {
      embed: round(this.spent.embed),
      vector_search: round(this.spent.vector_search),
      metadata: round(this.spent.metadata),
      total: round(performance.now() - this.started),
    };
  }
}

/** The `Server-Timing` header (W3C) for the stage timings, so browsers' dev tools show them. */
export function serverTimingHeader(timings: Timings): string {
  return Object.entries(timings)
    .map(([stage, ms]) => `${stage};dur=${ms}`)
    .join(', ');
}
