import { createServer, type Server } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { HashingEmbeddingProvider } from '../src/embeddings/hashing-embedding.provider';
import { startQdrantDouble } from '../test/qdrant-double/qdrant-double';
import { TcpProxy } from '../test/support/tcp-proxy';

/**
 * Everything of the cloud-latency bench that is not the service, in a thread of its own: the
 * round-trip proxies in front of PostgreSQL and the Qdrant double, the double itself, the
 * embedding stub, and the client. In the service's thread, their timers, the double's search and
 * the client's JSON would queue behind the service's work (and it behind theirs), and the bench
 * would measure that queueing, not the service: on a loaded 2-core machine that added 8–10 ms to
 * each leg of a retrieval. This way the service's thread runs the service only, as in production.
 */

export interface NetworkSetup {
  dimension: number;
  model: string;
  pgHost: string;
  pgPort: number;
  rtt: { pg: number; qdrant: number; embed: number };
}

export type NetworkRequest =
  | { op: 'retrieve'; baseUrl: string; queries: string[] }
  | { op: 'counts' }
  /** The round-trip times from now on: 0 everywhere measures the same path without a network. */
  | { op: 'rtt'; rtt: { pg: number; qdrant: number; embed: number } }
  | { op: 'close' };

export interface NetworkReady {
  op: 'ready';
  qdrantUrl: string;
  pgPort: number;
  embedUrl: string;
}

export interface RetrieveRun {
  op: 'retrieved';
  latencies: number[];
  stages: Record<string, number[]>;
}

export interface Counts {
  op: 'counts';
  providerCalls: number;
  qdrantRequests: number;
  lastQdrant: string[];
}

async function main(): Promise<void> {
  const setup = workerData as NetworkSetup;
  const stub = await startEmbeddingStub(setup.dimension, setup.model, setup.rtt.embed);
  const double = await startQdrantDouble();
  const qdrantProxy = await TcpProxy.start('127.0.0.1', Number(new URL(double.url).port), {
    rttMs: setup.rtt.qdrant,
  });
  const pgProxy = await TcpProxy.start(setup.pgHost, setup.pgPort, { rttMs: setup.rtt.pg });
  const port = parentPort!;
  port.on('message', (request: NetworkRequest) => {
    void handle(request).catch((error: Error) => port.postMessage({ op: 'error', message: error.message }));
  });
  port.postMessage({
    op: 'ready',
    qdrantUrl: `http://127.0.0.1:${qdrantProxy.port}`,
    pgPort: pgProxy.port,
    embedUrl: stub.url,
  } satisfies NetworkReady);

  async function handle(request: NetworkRequest): Promise<void> {
    switch (request.op) {
      case 'retrieve': {
        const latencies: number[] = [];
        const stages: Record<string, number[]> = {};
        for (const query of request.queries) {
          const started = performance.now();
          const res = await fetch(`${request.baseUrl}/v1/retrieve`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, top_k: 10 }),
          });
          const body = (await res.json()) as { timings_ms: Record<string, number> };
          latencies.push(performance.now() - started);
          if (res.status !== 200) throw new Error(`retrieve answered ${res.status}`);
          for (const [stage, ms] of Object.entries(body.timings_ms)) (stages[stage] ??= []).push(ms);
        }
        port.postMessage({ op: 'retrieved', latencies, stages } satisfies RetrieveRun);
        return;
      }
      case 'counts':
        port.postMessage({
          op: 'counts',
          providerCalls: stub.calls(),
          qdrantRequests: double.requests.length,
          lastQdrant: double.requests.slice(-3).map((r) => `${r.method} ${r.path}`),
        } satisfies Counts);
        return;
      case 'rtt':
        pgProxy.setRtt(request.rtt.pg);
        qdrantProxy.setRtt(request.rtt.qdrant);
        stub.setLatency(request.rtt.embed);
        port.postMessage({ op: 'rtt' });
        return;
      case 'close':
        await pgProxy.close();
        await qdrantProxy.close();
        await double.close();
        await new Promise((r) => stub.server.close(r));
        port.postMessage({ op: 'closed' });
        return;
    }
  }
}

/** An OpenAI-compatible `/embeddings` that answers after `latencyMs`, with hashing vectors. */
async function startEmbeddingStub(
  dimension: number,
  model: string,
  latencyMs: number,
): Promise<{ server: Server; url: string; calls(): number; setLatency(ms: number): void }> {
  const hashing = new HashingEmbeddingProvider(dimension);
  let calls = 0;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      calls++;
      const { input } = JSON.parse(Buffer.concat(parts).toString('utf8')) as { input: string[] };
      const body = JSON.stringify({
        object: 'list',
        model,
        data: input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: Array.from(hashing.embedOne(text)),
        })),
      });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      }, latencyMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    server,
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`,
    calls: () => calls,
    setLatency: (ms) => (latencyMs = ms),
  };
}

void main();
