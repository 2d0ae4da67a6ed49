import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Matches, Max, Min, ValidateIf } from 'class-validator';
import { toInt, validateEnv, type Env } from './env';

/**
 * The vector index, whichever store serves it: the collection and its vector size (both
 * stores), and the embedded store's search settings (used when QDRANT_URL is not set).
 */
class VectorsEnv {
  /**
   * The collection (an alias once `vectors:rebuild` has run) in Qdrant or the embedded store.
   * Qdrant takes names of up to 255 characters; a rebuild creates `<name>_<17-digit UTC
   * timestamp>`, 18 more, so the configured name keeps room for it.
   */
  @Matches(/^[A-Za-z0-9_-]{1,237}$/, {
    message:
      'must be 1-237 letters, digits, _ or - (a rebuild adds an 18-character suffix, Qdrant allows 255)',
  })
  QDRANT_COLLECTION = 'book_embeddings';

  /** Dimensions of every stored embedding; the collection is created with it. */
  @Transform(toInt)
  @Min(1)
  @Max(65536)
  @IsInt()
  VECTOR_SIZE = 1024;

  /**
   * Points from which an HNSW index answers searches; 0 = always exact. The graph is searched in
   * its worker thread, so from this size on no search scans vectors on the event loop: at
   * 10 000 × 1024 the exact scan took ≈ 1.7 ms of that thread a request and was the bottleneck
   * at c=10, the graph ≈ 0.2 ms of the worker's. Below it the scan is ≤ 0.2 ms. Recall@10 on
   * clustered vectors stays ≥ 0.99 from 1 000 points up (docs/PERFORMANCE.md). The graph also
   * adds half the memory the vectors take (it holds them at half precision).
   */
  @Transform(toInt)
  @Min(0)
  @Max(1_000_000_000)
  @IsInt()
  EMBEDDED_ANN_MIN_POINTS = 1_000;

  /**
   * HNSW beam width per search, or `auto`: 64 up to 10 000 points, 32 more per tenfold beyond
   * (96 at 100 000, 128 at 1 000 000), where served recall@10 on clustered 1024-d vectors stays
   * ≥ 0.99 (measured: 1.0 at 10 000 with 64; at 100 000, 0.987 with 64 and 0.998 with 96). A
   * wider beam is more exact and slower; a number fixes it at every size.
   */
  @Transform(toInt)
  @ValidateIf((env: VectorsEnv) => env.EMBEDDED_ANN_EF_SEARCH !== 'auto')
  @Min(10, { message: 'must be auto or an integer from 10 to 4096' })
  @Max(4_096, { message: 'must be auto or an integer from 10 to 4096' })
  @IsInt({ message: 'must be auto or an integer from 10 to 4096' })
  EMBEDDED_ANN_EF_SEARCH: number | 'auto' = 'auto';
}

export function loadVectorsConfig(env: Env = process.env) {
  const v = validateEnv(VectorsEnv, env);
  return {
    collection: v.QDRANT_COLLECTION,
    vectorSize: v.VECTOR_SIZE,
    annMinPoints: v.EMBEDDED_ANN_MIN_POINTS,
    /** null: chosen by the graph's size (`beamWidth`). */
    annEfSearch: v.EMBEDDED_ANN_EF_SEARCH === 'auto' ? null : v.EMBEDDED_ANN_EF_SEARCH,
  };
}

export const vectorsConfig = registerAs('vectors', () => loadVectorsConfig());
export type VectorsConfig = ReturnType<typeof loadVectorsConfig>;
