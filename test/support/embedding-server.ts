import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HashingEmbeddingProvider } from '../../src/embeddings/hashing-embedding.provider';

/**
 * A loopback OpenAI-compatible `POST /v1/embeddings` that embeds with the hashing provider and
 * counts what it is asked: the network edge a test swaps in to prove what gets (re-)embedded.
 * `failWith` makes every request answer that status until cleared (with `retryAfter` as its
 * Retry-After header when set); `stall` makes every request go unanswered until cleared.
 */
export interface EmbeddingServer {
  baseUrl: string;
  model: string;
  /** Texts embedded so far, in request order. */
  inputs: string[];
  requests: number;
  failWith: number | undefined;
  retryAfter: string | undefined;
  stall: boolean;
  close(): Promise<void>;
}

export async function startEmbeddingServer(
  dimension: number,
  model = 'counting-model',
): Promise<EmbeddingServer> {
  const hashing = new HashingEmbeddingProvider(dimension);
  const state = {
    inputs: [] as string[],
    requests: 0,
    failWith: undefined as number | undefined,
    retryAfter: undefined as string | undefined,
    stall: false,
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      state.requests++;
      if (state.stall) return;
      if (state.failWith !== undefined) {
        res
          .writeHead(state.failWith, {
            'content-type': 'application/json',
            ...(state.retryAfter !== undefined ? { 'retry-after': state.retryAfter } : {}),
          })
          .end('{"error":{"message":"down"}}');
        return;
      }
      const { input } = JSON.parse(raw) as { input: string[] };
      state.inputs.push(...input);
      const data = input.map((text, index) => ({ index, embedding: Array.from(hashing.embedOne(text)) }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    model,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** The service's configuration for `server` as its embedding provider (no retries: faults show at once). */
export function providerEnv(server: EmbeddingServer, dimension: number): Record<string, string> {
  return {
    VECTOR_SIZE: String(dimension),
    EMBEDDING_PROVIDER: 'openai',
    EMBEDDING_BASE_URL: server.baseUrl,
    EMBEDDING_MODEL: server.model,
    EMBEDDING_MAX_RETRIES: '0',
  };
}
