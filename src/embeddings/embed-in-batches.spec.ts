import { DomainError } from '../common/errors';
import { embedInBatches } from './embed-in-batches';
import { EmbeddingProvider } from './embedding-provider';

/** Records every request; optionally fails one. */
class RecordingProvider extends EmbeddingProvider {
  readonly model = 'recording';
  readonly dimension = 1;
  requests: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly failOn?: number) {
    super();
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    const n = this.requests.push(texts);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    if (n === this.failOn) throw new DomainError('EMBEDDING_UNAVAILABLE', 'down');
    return texts.map((t) => Float32Array.of(Number(t)));
  }
}

describe('embedInBatches', () => {
  const texts = Array.from({ length: 25 }, (_, i) => String(i));

  it('sends batches of the configured size, at most `concurrency` at once, and keeps input order', async () => {
    const provider = new RecordingProvider();
    const vectors = await embedInBatches(provider, texts, { batchSize: 4, concurrency: 3 });
    expect(vectors.map((v) => v[0])).toEqual(texts.map(Number));
    expect(provider.requests.map((r) => r.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    expect(provider.maxInFlight).toBe(3);
  });

  it('fails with the provider’s error and starts no more requests after a failure', async () => {
    const provider = new RecordingProvider(2);
    await expect(embedInBatches(provider, texts, { batchSize: 4, concurrency: 1 })).rejects.toMatchObject({
      code: 'EMBEDDING_UNAVAILABLE',
    });
    expect(provider.requests).toHaveLength(2);
  });

  it('asks nothing for nothing', async () => {
    const provider = new RecordingProvider();
    expect(await embedInBatches(provider, [], { batchSize: 4, concurrency: 2 })).toEqual([]);
    expect(provider.requests).toHaveLength(0);
  });
});
