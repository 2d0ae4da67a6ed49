import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { toInt, validateEnv, type Env } from './env';

/** The embedded vector store (used when QDRANT_URL is not set). */
class VectorsEnv {
  /**
   * Points from which an HNSW index answers searches; 0 = always exact. The graph is searched in
   * its worker thread, so from this size on no search scans vectors on the event loop: at
   * 10 000 × 1024 the exact scan took ≈ 1.7 ms of that thread a request and was the bottleneck
   * at c=10, the graph ≈ 0.2 ms of the worker's. Below it the scan is ≤ 0.2 ms. Recall@10 on
   * clustered vectors stays ≥ 0.99 from 1 000 points up (docs/PERFORMANCE.md). The graph also
   * doubles the memory the vectors take.
   */
  @Transform(toInt)
  @Min(0)
  @Max(1_000_000_000)
  @IsInt()
  EMBEDDED_ANN_MIN_POINTS = 1_000;

  /**
   * HNSW beam width at query time. Measured at 100 000 × 1024 (clustered vectors, fresh queries):
   * recall@10 0.983 at 64, 0.994 at 128, 0.995 at 256; p50 0.66, 0.73, 0.88 ms. 128 is the knee.
   */
  @Transform(toInt)
  @Min(10)
  @Max(4_096)
  @IsInt()
  EMBEDDED_ANN_EF_SEARCH = 128;
}

export function loadVectorsConfig(env: Env = process.env) {
  const v = validateEnv(VectorsEnv, env);
  return { annMinPoints: v.EMBEDDED_ANN_MIN_POINTS, annEfSearch: v.EMBEDDED_ANN_EF_SEARCH };
}

export const vectorsConfig = registerAs('vectors', () => loadVectorsConfig());
export type VectorsConfig = ReturnType<typeof loadVectorsConfig>;
