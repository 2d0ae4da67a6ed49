import { Logger } from '@nestjs/common';
import { createRequire } from 'node:module';

export type Usearch = typeof import('usearch');

// A plain require, not an import: a missing native build must degrade the store, not stop the boot.
const load = createRequire(__filename);
let loaded: { module: Usearch | null } | undefined;

/**
 * usearch's native module (SIMD exact search and the HNSW index), or null where it cannot load
 * (no prebuild for this platform): embedded search then scores in plain JS, without the
 * approximate index. Loaded on first use; the reason is logged once.
 */
export function usearch(): Usearch | null {
  loaded ??= { module: tryLoadUsearch(() => load('usearch') as Usearch) };
  return loaded.module;
}

export function tryLoadUsearch(loader: () => Usearch): Usearch | null {
  try {
    return loader();
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    new Logger('VectorIndex').warn(
      `usearch's native module did not load (${reason}): embedded vector search uses the plain JS kernel and no approximate index`,
    );
    return null;
  }
}

/** The path a worker thread requires usearch from (an eval'd worker would resolve from the cwd). */
export function usearchEntry(): string {
  return load.resolve('usearch');
}
