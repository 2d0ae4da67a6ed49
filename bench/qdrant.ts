import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { qdrantHeaders } from '../src/vectors/qdrant/qdrant-connection';
import { startQdrantDouble, type QdrantDouble } from '../test/qdrant-double/qdrant-double';
import { plain, type Figure } from './report';
import { summarize, timeLoop } from './stats';
import { vectorJson } from './corpus';

/**
 * The Qdrant leg of `npm run bench`: `--qdrant-url URL [--qdrant-api-key K]` runs the whole
 * bench against that server (a fresh `bench_<run>` collection, never existing data), and
 * `--qdrant-double` against the test double in this process (its cost is small and known, so
 * the figures show the service's own path, not a server's). The floor is a raw query over
 * keep-alive HTTP with compression off, next to the same query asking for gzip as fetch does.
 */
export const QDRANT_OPTIONS = {
  'qdrant-url': { type: 'string' },
  'qdrant-api-key': { type: 'string' },
  'qdrant-double': { type: 'boolean', default: false },
} as const;

export interface QdrantArgs {
  'qdrant-url'?: string;
  'qdrant-api-key'?: string;
  'qdrant-double'?: boolean;
}

/** Points the service at the chosen Qdrant before its configuration is read. */
export function applyQdrantArgs(args: QdrantArgs): void {
  if (args['qdrant-url']) process.env.QDRANT_URL = args['qdrant-url'];
  if (args['qdrant-api-key']) process.env.QDRANT_API_KEY = args['qdrant-api-key'];
}

/** Starts the double when asked for one; the caller closes it after the app. */
export async function startBenchDouble(args: QdrantArgs): Promise<QdrantDouble | null> {
  if (!args['qdrant-double']) return null;
  const double = await startQdrantDouble();
  process.env.QDRANT_URL = double.url;
  return double;
}

/**
 * p50 of a raw `POST /points/query` for the bench's query vectors (limit `limit`, no payload,
 * what a vector retrieval asks), uncompressed and gzip, on one keep-alive socket each.
 */
export async function measureRawQdrantQuery(options: {
  url: string;
  apiKey?: string;
  collection: string;
  vectors: readonly Float32Array[];
  limit: number;
  requests: number;
  phaseMs: number;
}): Promise<{ identity: number; figures: Figure[] }> {
  const post = rawPoster(options.url);
  const path = `/collections/${options.collection}/points/query`;
  const body = (i: number) =>
    `{"query":${vectorJson(options.vectors[i % options.vectors.length])},"limit":${options.limit}}`;
  const run = async (headers: Record<string, string>) =>
    summarize(await timeLoop(options.requests, options.phaseMs, (i) => post(path, headers, body(i)))).p50;
  const identity = await run(qdrantHeaders({ apiKey: options.apiKey, compression: 'off' }));
  const gzip = await run({
    ...qdrantHeaders({ apiKey: options.apiKey, compression: 'on' }),
    'accept-encoding': 'gzip, deflate',
  });
  return {
    identity,
    figures: [
      plain('floor: raw Qdrant query, compression off, p50', identity, 'ms'),
      plain("raw Qdrant query asking for gzip (fetch's default), p50", gzip, 'ms'),
    ],
  };
}

/** A keep-alive POST that reads the whole answer (decompression is the caller's cost too). */
function rawPoster(base: string) {
  const url = new URL(base);
  const send = url.protocol === 'https:' ? httpsRequest : request;
  return (path: string, headers: Record<string, string>, body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = send(
        new URL(path, url),
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', connection: 'keep-alive' },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
