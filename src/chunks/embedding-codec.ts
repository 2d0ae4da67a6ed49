import { endianness } from 'node:os';

/**
 * Embeddings are stored as float32 little-endian bytes (4 × dimension), whatever the host's byte
 * order, so a dump from one machine reads the same on another. On a little-endian host (every
 * platform Node supports but s390x) that is a Float32Array's own memory: one native copy instead
 * of a call per value.
 */
const NATIVE_ORDER = endianness() === 'LE';

export function encodeEmbedding(vector: ArrayLike<number>): Buffer {
  if (NATIVE_ORDER) {
    const floats = Float32Array.from(vector);
    return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  }
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes;
}

export function decodeEmbedding(bytes: Buffer): Float32Array {
  if (NATIVE_ORDER) {
    // A copy: pg's buffers may sit at any offset of a shared pool, and Float32Array needs 4-byte alignment.
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}
