import { closeSync, fsyncSync, openSync, readSync, fstatSync, ftruncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * One record of the append-only log: a JSON header plus, for upserts, the batch's vectors as
 * contiguous little-endian float32 (JSON would triple their size and cost a parse per value).
 */
export interface LogRecord {
  header: LogHeader;
  vectors: Float32Array;
}

export type LogHeader =
  | { op: 'upsert'; points: { id: string; payload: unknown }[] }
  | { op: 'delete'; ids: string[] }
  | { op: 'set_payload'; id: string; payload: unknown };

/** Framing: [u32 body length][u32 CRC-32 of the body][body = u32 header length, header JSON, vectors]. */
const FRAME = 8;

export function encodeRecord(header: LogHeader, vectors?: Float32Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const vectorBytes = vectors ? vectors.byteLength : 0;
  const record = Buffer.allocUnsafe(FRAME + 4 + json.length + vectorBytes);
  record.writeUInt32LE(4 + json.length + vectorBytes, 0);
  record.writeUInt32LE(json.length, FRAME);
  json.copy(record, FRAME + 4);
  if (vectors)
    Buffer.from(vectors.buffer, vectors.byteOffset, vectorBytes).copy(record, FRAME + 4 + json.length);
  record.writeUInt32LE(crc32(record.subarray(FRAME)), 4);
  return record;
}

/**
 * Reads every intact record of `path` in order. Reading stops at the first record that is cut
 * short or fails its checksum: that is a write the crash interrupted, which was never
 * acknowledged. Returns where the intact part ends, so the caller can cut the torn tail off
 * before appending after it. A missing file reads as empty.
 */
export function readRecords(
  path: string,
  onRecord: (record: LogRecord) => void,
): { validBytes: number; fileBytes: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { validBytes: 0, fileBytes: 0 };
    throw error;
  }
  try {
    const fileBytes = fstatSync(fd).size;
    const frame = Buffer.alloc(FRAME);
    let position = 0;
    while (position + FRAME <= fileBytes) {
      readSync(fd, frame, 0, FRAME, position);
      const length = frame.readUInt32LE(0);
      if (length < 4 || position + FRAME + length > fileBytes) break;
      const body = Buffer.allocUnsafe(length);
      readSync(fd, body, 0, length, position + FRAME);
      if (crc32(body) !== frame.readUInt32LE(4)) break;
      onRecord(decodeBody(body));
      position += FRAME + length;
    }
    return { validBytes: position, fileBytes };
  } finally {
    closeSync(fd);
  }
}

function decodeBody(body: Buffer): LogRecord {
  const jsonLength = body.readUInt32LE(0);
  const header = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as LogHeader;
  // Copy: the vectors' offset inside the body need not be 4-byte aligned.
  const bytes = body.subarray(4 + jsonLength);
  const vectors = new Float32Array(bytes.length / 4);
  Buffer.from(vectors.buffer).set(bytes);
  return { header, vectors };
}

/** Cuts a file to `bytes` and makes that durable (used to drop a torn tail before appending). */
export function truncateDurably(path: string, bytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** An append-only file whose appends are durable (fdatasync) before they resolve. */
export class AppendLog {
  private constructor(
    private readonly handle: FileHandle,
    private bytes: number,
  ) {}

  static async open(path: string): Promise<AppendLog> {
    const handle = await open(path, 'a');
    return new AppendLog(handle, (await handle.stat()).size);
  }

  get size(): number {
    return this.bytes;
  }

  async append(records: readonly Buffer[]): Promise<void> {
    const buffer = records.length === 1 ? records[0] : Buffer.concat(records);
    await this.handle.write(buffer);
    await this.handle.datasync();
    this.bytes += buffer.length;
  }

  /** Empties the log (after its content has been folded into a durable snapshot). */
  async clear(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.sync();
    this.bytes = 0;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
