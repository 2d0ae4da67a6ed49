import { prng, unitVector } from '../../bench/corpus';

/** How far a point strays from its cluster's centre, relative to the centre (both unit vectors). */
const SPREAD = 0.8;

/**
 * Seeded unit vectors shaped like text embeddings: points gather around `clusters` centres
 * (about 500 points each by default), so near neighbours are meaningfully nearer than the rest.
 * Uniform random vectors have no such structure (every point is about equally far from a query),
 * which no approximate index can rank and no real embedding model produces. Draw the points and
 * the queries in one call and split the result, so the queries come from the same clusters.
 */
export function clusteredVectors(
  count: number,
  dimension: number,
  seed: number,
  clusters = Math.max(1, Math.ceil(count / 500)),
): Float32Array[] {
  const centres = Array.from({ length: clusters }, (_, c) => unitVector(dimension, seed * 1_000_003 + c));
  const pick = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[Math.floor(pick() * clusters)];
    const noise = unitVector(dimension, seed * 7_919 + 2_000_000_000 + i);
    const vector = new Float32Array(dimension);
    let norm = 0;
    for (let d = 0; d < dimension; d++) {
      vector[d] = centre[d] + SPREAD * noise[d];
      norm += vector[d] * vector[d];
    }
    const scale = 1 / Math.sqrt(norm);
    for (let d = 0; d < dimension; d++) vector[d] *= scale;
    return vector;
  });
}
