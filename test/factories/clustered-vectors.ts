import { nearCentre, prng, unitVector } from '../../bench/corpus';

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
    return nearCentre(centre, unitVector(dimension, seed * 7_919 + 2_000_000_000 + i));
  });
}
