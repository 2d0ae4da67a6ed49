import { reciprocalRankFusion } from './rank-fusion';

describe('reciprocalRankFusion', () => {
  it('sums w / (k + rank) over the lists that hold an item and sorts by it', () => {
    const fused = reciprocalRankFusion(
      [
        { list: 'vector', ids: ['a', 'b', 'c'], weight: 1 },
        { list: 'text', ids: ['c', 'd'], weight: 1 },
      ],
      60,
    );
    expect(fused.map((f) => f.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(fused[0]).toEqual({ id: 'c', score: 1 / 63 + 1 / 61, ranks: { vector: 3, text: 1 } });
    expect(fused[3]).toEqual({ id: 'd', score: 1 / 62, ranks: { text: 2 } });
  });

  it('weights the lists', () => {
    const inputs = (text: number) => [
      { list: 'vector' as const, ids: ['v'], weight: 1 },
      { list: 'text' as const, ids: ['t'], weight: text },
    ];
    expect(reciprocalRankFusion(inputs(2), 60)[0].id).toBe('t');
    expect(reciprocalRankFusion(inputs(0.5), 60)[0].id).toBe('v');
    expect(reciprocalRankFusion(inputs(0.5), 60)[1].score).toBeCloseTo(0.5 / 61, 12);
  });

  it('breaks ties by the better best rank, then by id, so the order never depends on input order', () => {
    const fused = reciprocalRankFusion(
      [
        { list: 'vector', ids: ['y', 'x'], weight: 1 },
        { list: 'text', ids: ['x', 'y'], weight: 1 },
      ],
      60,
    );
    expect(fused.map((f) => f.id)).toEqual(['x', 'y']);
  });

  it('returns nothing for empty lists', () => {
    expect(reciprocalRankFusion([{ list: 'vector', ids: [], weight: 1 }], 60)).toEqual([]);
  });
});
