/**
 * Embeddings are stored in Postgres as float32 little-endian `bytea` (4 bytes a dimension):
 * compact, exact for what vector stores keep, and ~14× cheaper to write than float text.
 */
export function encodeEmbedding(values: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) buffer.writeFloatLE(values[i], i * 4);
  return buffer;
}

export function decodeEmbedding(bytes: Buffer): Float32Array {
  const values = new Float32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(i * 4);
  return values;
}
