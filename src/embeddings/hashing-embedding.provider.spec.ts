import { HashingEmbeddingProvider } from './hashing-embedding.provider';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i], 0);
const norm = (a: Float32Array) => Math.sqrt(cosine(a, a));

describe('HashingEmbeddingProvider', () => {
  const provider = new HashingEmbeddingProvider(256);

  it('gives unit vectors of the configured size, the same for the same text on every call', async () => {
    const [a, b] = await provider.embed(['Strain gauges measure force.', 'Strain gauges measure force.']);
    expect(a).toHaveLength(256);
    expect(norm(a)).toBeCloseTo(1, 6);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(new HashingEmbeddingProvider(256).embedOne('Strain gauges measure force.'))).toEqual(
      Array.from(a),
    );
    expect(provider.dimension).toBe(256);
    expect(provider.model).toBe('hashing-fnv1a-w1-c3-256');
  });

  it('ignores case and punctuation, and ranks shared vocabulary above unrelated text', () => {
    const query = provider.embedOne('How does a STRAIN gauge work?');
    const related = provider.embedOne('a strain gauge changes resistance when stretched');
    const inflected = provider.embedOne('strained gauges');
    const unrelated = provider.embedOne('the rover crossed the crater at dawn');
    expect(cosine(provider.embedOne('strain, gauge!'), provider.embedOne('Strain Gauge'))).toBeCloseTo(1, 6);
    expect(cosine(query, related)).toBeGreaterThan(0.4);
    expect(cosine(query, inflected)).toBeGreaterThan(cosine(query, unrelated));
    expect(Math.abs(cosine(query, unrelated))).toBeLessThan(0.25);
  });

  it('leaves a text without letters or digits as the zero vector (the caller reports it)', () => {
    expect(provider.embedOne('?! … --').every((v) => v === 0)).toBe(true);
  });

  it('handles any alphabet', () => {
    const greek = provider.embedOne('αισθητήρας θερμοκρασίας');
    expect(norm(greek)).toBeCloseTo(1, 6);
    expect(cosine(greek, provider.embedOne('ΑΙΣΘΗΤΗΡΑΣ'))).toBeGreaterThan(0.3);
  });
});
