/**
 * Embeddings are stored as float32 little-endian bytes (4 × dimension), whatever the host's byte
 * order, so a dump from one machine reads the same on another.
 */
export function encodeEmbedding(vector: ArrayLike<number>): Buffer {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes;
}

export function decodeEmbedding(bytes: Buffer): Float32Array {
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}
