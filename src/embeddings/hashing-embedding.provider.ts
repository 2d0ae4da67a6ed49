import { EmbeddingProvider } from './embedding-provider';

/** Character n-gram length: catches inflections ("sensor" / "sensors") that whole words miss. */
const NGRAM = 3;
/** Whole words weigh more than their n-grams, so an exact term dominates a partial one. */
const WORD_WEIGHT = 1;
const NGRAM_WEIGHT = 0.5;

/**
 * Offline, deterministic lexical embeddings by signed feature hashing (Weinberger et al., 2009):
 * each lowercase word and each character trigram of `#word#` is hashed (FNV-1a) to one of
 * `dimension` buckets with a sign taken from another bit of the hash, and the sum is
 * L2-normalised. Cosine similarity then approximates shared vocabulary. Not a semantic model: it
 * makes `query` work with no network and no model download, and it is what chunks must have been
 * embedded with for text queries to match them (the same text always gives the same vector).
 */
export class HashingEmbeddingProvider extends EmbeddingProvider {
  readonly model: string;

  constructor(readonly dimension: number) {
    super();
    this.model = `hashing-fnv1a-w1-c${NGRAM}-${dimension}`;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((text) => this.embedOne(text)));
  }

  /** Synchronous form, for callers (tests, scripts) that embed chunk texts before ingesting them. */
  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimension);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      this.add(vector, `w:${word}`, WORD_WEIGHT);
      const padded = `#${word}#`;
      for (let i = 0; i + NGRAM <= padded.length; i++) {
        this.add(vector, `c:${padded.slice(i, i + NGRAM)}`, NGRAM_WEIGHT);
      }
    }
    let squares = 0;
    for (const value of vector) squares += value * value;
    // A text without letters or digits stays the zero vector: the caller reports it.
    if (squares > 0) {
      const norm = Math.sqrt(squares);
      for (let i = 0; i < vector.length; i++) vector[i] /= norm;
    }
    return vector;
  }

  private add(vector: Float32Array, feature: string, weight: number): void {
    const hash = fnv1a(feature);
    // The low bits pick the bucket, the top bit the sign: collisions then cancel on average.
    vector[(hash & 0x7fffffff) % this.dimension] += hash & 0x80000000 ? -weight : weight;
  }
}

/** 32-bit FNV-1a over the UTF-16 code units: fast, stable across platforms and Node versions. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
