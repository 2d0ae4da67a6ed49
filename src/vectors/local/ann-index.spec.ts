import { beamWidth } from './ann-index';

describe('beamWidth', () => {
  it.each([
    [1_000, 64],
    [10_000, 64],
    [100_000, 96],
    [1_000_000, 128],
  ])('widens the automatic beam with the graph: %i points → %i', (points, beam) => {
    expect(beamWidth(points, null)).toBe(beam);
  });

  it('keeps a configured beam at every size', () => {
    expect(beamWidth(1_000, 200)).toBe(200);
    expect(beamWidth(5_000_000, 32)).toBe(32);
  });
});
