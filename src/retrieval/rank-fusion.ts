export interface RankedInput<L extends string> {
  list: L;
  /** Ids best first; an id's rank is its 1-based position. */
  ids: readonly string[];
  weight: number;
}

export interface FusedItem<L extends string> {
  id: string;
  score: number;
  ranks: Partial<Record<L, number>>;
}

/**
 * Weighted reciprocal rank fusion (Cormack, Clarke & Büttcher, 2009): score(d) = Σ wᵢ / (k + rankᵢ(d))
 * over the lists that contain d. It uses ranks only, so cosine similarities and ts_rank values,
 * which live on different scales, never have to be compared. Ties go to the better best rank,
 * then to the id, so the order is deterministic.
 */
export function reciprocalRankFusion<L extends string>(
  inputs: readonly RankedInput<L>[],
  k: number,
): FusedItem<L>[] {
  const fused = new Map<string, FusedItem<L> & { best: number }>();
  for (const { list, ids, weight } of inputs) {
    ids.forEach((id, index) => {
      const rank = index + 1;
      const item: FusedItem<L> & { best: number } = fused.get(id) ?? { id, score: 0, ranks: {}, best: rank };
      item.score += weight / (k + rank);
      item.ranks[list] = rank;
      item.best = Math.min(item.best, rank);
      fused.set(id, item);
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ id, score, ranks }) => ({ id, score, ranks }));
}
