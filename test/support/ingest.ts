import { randomUUID } from 'node:crypto';

/** A deterministic pseudo-random unit vector (mulberry32), so failures reproduce. */
export function unitVector(dimension: number, seed: number): number[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  const values = Array.from({ length: dimension }, next);
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
}

export interface ChunkInput {
  chunk_id?: string;
  chunk_index?: number;
  chunk_text: string;
  embedding: number[];
  page_reference?: number;
  section_title?: string;
  metadata?: Record<string, unknown>;
}

/** `count` chunks of a synthetic book chapter, each with its own vector. */
export function bookChunks(
  count: number,
  dimension: number,
  options: { seed?: number; prefix?: string } = {},
): ChunkInput[] {
  const seed = options.seed ?? 1;
  const prefix = options.prefix ?? 'Paragraph';
  return Array.from({ length: count }, (_, i) => ({
    chunk_index: i,
    chunk_text: `${prefix} ${i}: a sensor converts a physical quantity into a signal (${seed}-${i}).`,
    embedding: unitVector(dimension, seed * 100_003 + i),
    page_reference: 1 + Math.floor(i / 4),
    section_title: `Chapter ${1 + Math.floor(i / 50)}`,
  }));
}

export function ingestBody(
  documentReference: string,
  chunks: ChunkInput[],
  extra: Record<string, unknown> = {},
) {
  return {
    document_reference: documentReference,
    embedding_model: 'test-embedding-64',
    chunks,
    ...extra,
  };
}

export const uniqueDocument = (name = 'book') => `${name}-${randomUUID().slice(0, 8)}.pdf`;

export async function postJson(
  url: string,
  body: unknown,
  method = 'POST',
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
