import { contentHash, deriveChunkId, normaliseText } from './chunk-identity';
import { decodeEmbedding, encodeEmbedding } from '../chunks/embedding-codec';

describe('chunk identity', () => {
  it('treats text differing only in whitespace or Unicode composition as the same content', () => {
    expect(normaliseText('  Sensors\n\tand   actuators ')).toBe('Sensors and actuators');
    expect(contentHash('Caf\u00e9 au lait')).toBe(contentHash('Cafe\u0301  au\nlait'));
    expect(contentHash('Chapter 1')).not.toBe(contentHash('Chapter 2'));
    expect(contentHash('x')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('derives the same UUIDv5 for the same document, position and content, and different ones otherwise', () => {
    const hash = contentHash('text');
    const id = deriveChunkId('book.pdf', 3, hash);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveChunkId('book.pdf', 3, hash)).toBe(id);
    expect(deriveChunkId('book.pdf', 4, hash)).not.toBe(id);
    expect(deriveChunkId('other.pdf', 3, hash)).not.toBe(id);
    expect(deriveChunkId('book.pdf', 3, contentHash('edited'))).not.toBe(id);
  });

  it('round-trips embeddings through float32 bytes', () => {
    const values = [0.5, -1.25, 3.0000001, 0];
    const bytes = encodeEmbedding(values);
    expect(bytes.length).toBe(16);
    expect(Array.from(decodeEmbedding(bytes))).toEqual(Array.from(Float32Array.from(values)));
  });
});
