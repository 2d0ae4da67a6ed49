import { createHash } from 'node:crypto';
import { HashingEmbeddingProvider } from '../src/embeddings/hashing-embedding.provider';

/**
 * The benchmark's synthetic book, a pure function of (seed, index): the load worker, the raw
 * COPY comparison and the in-process floor all rebuild exactly the same rows without sharing
 * memory. Text reads like a technical book (so the full-text and fingerprint indexes do the work
 * they do for one).
 */

/**
 * The words of the book. Real text follows Zipf's law: a few function words make up a large share
 * of it and the rest is a long tail of content words (the evaluation book, bench/eval/book: 10 219
 * words, 2 129 distinct). A small vocabulary drawn uniformly would put every content word in most
 * chunks, so that every question matched nearly the whole book and every short phrase thousands
 * of chunks: costs no book's full-text index pays. So: FUNCTION_SHARE of the words are function
 * words, the rest content words, each list drawn by Zipf's law (frequency ∝ 1 / rank) — the
 * robotics terms first, then pronounceable made-up ones up to CONTENT_WORDS.
 */
const FUNCTION_WORDS = (
  'the of and to a in is that for it as with on by this are from be which when each between ' +
  'through under over while'
).split(' ');
const DOMAIN_WORDS = (
  'robot sensor actuator motor encoder torque feedback controller gain signal noise filter kalman ' +
  'estimate state vector matrix camera lidar depth image pixel feature map localisation odometry wheel ' +
  'joint arm gripper trajectory path planner obstacle collision velocity acceleration inertia mass ' +
  'battery voltage current power thermal calibration drift bias error model learning policy reward ' +
  'simulation physics contact friction surface grasp object pose orientation quaternion frame ' +
  'transform kinematics dynamics stability damping oscillation frequency sampling latency bandwidth ' +
  'network message topic node graph search cost heuristic optimal constraint solver gradient'
).split(' ');
const FUNCTION_SHARE = 0.4;
const CONTENT_WORDS = 5_000;

/** DOMAIN_WORDS, then made-up words of two or three syllables, all distinct: a fixed list. */
function contentWords(): string[] {
  const onsets = 'b c d f g k l m n p r s t v z br cr dr fl gr pl pr st tr'.split(' ');
  const vowels = 'a e i o u ai ea io'.split(' ');
  const codas = ['', 'n', 'r', 's', 'l', 'm', 'x', 'nd', 'rt', 'st'];
  const next = prng(7);
  const pick = (list: readonly string[]) => list[Math.floor(next() * list.length)];
  const words = new Set(DOMAIN_WORDS);
  while (words.size < CONTENT_WORDS) {
    const syllables = 2 + Math.floor(next() * 2);
    let word = '';
    for (let s = 0; s < syllables; s++) word += pick(onsets) + pick(vowels);
    words.add(word + pick(codas));
  }
  return [...words];
}

/** Draws from `words` by Zipf's law: the cumulative 1 / rank weights, searched by bisection. */
function zipf(words: readonly string[]): (next: () => number) => string {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= words.length; rank++) cumulative.push((total += 1 / rank));
  return (next) => {
    const x = next() * total;
    let lo = 0;
    let hi = words.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo];
  };
}

const functionWord = zipf(FUNCTION_WORDS);
const contentWord = zipf(contentWords());
const word = (next: () => number) => (next() < FUNCTION_SHARE ? functionWord(next) : contentWord(next));

const CHAPTERS = [
  'Sensors and Signals',
  'Actuators and Drives',
  'Feedback Control',
  'State Estimation',
  'Perception',
  'Motion Planning',
  'Manipulation',
  'Learning to Act',
];

/** mulberry32: small, fast and deterministic. */
export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function unitVector(dimension: number, seed: number): Float32Array {
  const next = prng(seed);
  const vector = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    vector[i] = next() - 0.5;
    norm += vector[i] * vector[i];
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) vector[i] *= scale;
  return vector;
}

export function sentence(next: () => number, words: number): string {
  const picked = Array.from({ length: words }, () => word(next));
  return `${picked.join(' ')}.`.replace(/^./, (c) => c.toUpperCase());
}

/** Cluster centres of the corpus: ≈ 50 chunks a cluster at 10 000, ≈ 500 at 100 000. */
const CLUSTERS = 200;
/** How far a point strays from its cluster's centre, relative to the centre (both unit vectors). */
const SPREAD = 0.8;
const centres = new Map<string, Float32Array[]>();

/**
 * A unit vector near one of CLUSTERS seeded centres, a pure function of (seed, stream, index):
 * text embeddings gather around topics, so nearest neighbours are meaningfully nearer than the
 * rest, which is what an approximate index follows. Uniform random vectors have no such structure
 * (recall ≈ 0.5 for any graph), and no real embedding model produces them. Chunks and queries
 * draw from the same centres.
 */
export function clusteredVectorAt(
  dimension: number,
  seed: number,
  stream: number,
  index: number,
): Float32Array {
  const key = `${dimension}:${seed}`;
  let own = centres.get(key);
  if (!own) {
    own = Array.from({ length: CLUSTERS }, (_, c) => unitVector(dimension, seed * 1_000_003 + c));
    centres.set(key, own);
  }
  const centre = own[Math.floor(prng(seed * 104_729 + stream * 15_485_863 + index)() * CLUSTERS)];
  return nearCentre(centre, unitVector(dimension, seed * 7_919 + stream * 2_000_000_000 + index));
}

/** Query vector `index`: from the corpus's clusters, never one of its points. */
export const queryVectorAt = (dimension: number, seed: number, index: number): Float32Array =>
  clusteredVectorAt(dimension, seed, 1, index);

export interface BenchChunk {
  chunk_index: number;
  chunk_text: string;
  page_reference: number;
  section_title: string;
  metadata: Record<string, unknown>;
  embedding: Float32Array;
}

/**
 * The model the corpus is ingested as: the default provider's, because the bench's text queries
 * (hybrid, selected_text) are embedded by it and a text query under another model is refused.
 */
export const benchEmbeddingModel = (dimension: number): string =>
  new HashingEmbeddingProvider(dimension).model;

/** Chunks per document: one document per ingest batch keeps chunk_index dense per document. */
export const CHUNKS_PER_DOCUMENT = 500;

export function documentReference(run: string, index: number): string {
  return `bench-${run}-vol${Math.floor(index / CHUNKS_PER_DOCUMENT) + 1}.pdf`;
}

/** Chunk `index` of the book: ≈ 700 characters of text, its page, section and a clustered 1024-d vector. */
export function chunkAt(index: number, dimension: number, seed: number): BenchChunk {
  const next = prng(seed * 1_000_003 + index);
  const sentences = Array.from({ length: 6 + Math.floor(next() * 4) }, () =>
    sentence(next, 8 + Math.floor(next() * 8)),
  );
  const within = index % CHUNKS_PER_DOCUMENT;
  const chapter = Math.floor(within / 60);
  return {
    chunk_index: within,
    // The paragraph number keeps every text unique, so deduplication never skips a row.
    chunk_text: `§${index}. ${sentences.join(' ')}`,
    page_reference: 1 + Math.floor(within / 3),
    section_title: `Chapter ${chapter + 1} — ${CHAPTERS[chapter % CHAPTERS.length]}`,
    metadata: { chapter: chapter + 1, paragraph: within, source: 'bench' },
    embedding: clusteredVectorAt(dimension, seed, 0, index),
  };
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON for a vector: 9 significant digits round-trip a float32 exactly, in about half the bytes. */
export function vectorJson(vector: Float32Array): string {
  let out = '[';
  for (let i = 0; i < vector.length; i++) out += (i ? ',' : '') + vector[i].toPrecision(9);
  return `${out}]`;
}

/** One POST /v1/ingest body for chunks [from, to), built as a string (the vectors dominate it). */
export function ingestBodyJson(
  run: string,
  from: number,
  to: number,
  dimension: number,
  seed: number,
): string {
  const chunks: string[] = [];
  for (let i = from; i < to; i++) {
    const { embedding, ...rest } = chunkAt(i, dimension, seed);
    chunks.push(`${JSON.stringify(rest).slice(0, -1)},"embedding":${vectorJson(embedding)}}`);
  }
  return (
    `{"document_reference":${JSON.stringify(documentReference(run, from))},` +
    `"embedding_model":${JSON.stringify(benchEmbeddingModel(dimension))},"wait_ms":0,"chunks":[${chunks.join(',')}]}`
  );
}

/** A reader's question: a few words of the book's vocabulary. */
export function queryText(index: number, seed: number): string {
  const next = prng(seed * 31 + index);
  return sentence(next, 3 + Math.floor(next() * 3)).slice(0, -1);
}

/** A passage the reader selected: a run of words from one chunk. */
export function selectionFrom(chunk: BenchChunk, index: number, length = 16): string {
  const words = chunk.chunk_text.split(' ');
  const start = 1 + (index % Math.max(1, words.length - length - 4));
  return words.slice(start, start + length).join(' ');
}

/** A unit vector at `centre` displaced by SPREAD × `noise`: a point of that centre's cluster. */
export function nearCentre(centre: ArrayLike<number>, noise: ArrayLike<number>): Float32Array {
  const vector = new Float32Array(centre.length);
  let norm = 0;
  for (let d = 0; d < centre.length; d++) {
    vector[d] = centre[d] + SPREAD * noise[d];
    norm += vector[d] * vector[d];
  }
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < centre.length; d++) vector[d] *= scale;
  return vector;
}
