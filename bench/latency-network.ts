import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { Client } from 'pg';
import { HashingEmbeddingProvider } from '../src/embeddings/hashing-embedding.provider';
import { startQdrantDouble } from '../test/qdrant-double/qdrant-double';
import { TcpProxy } from '../test/support/tcp-proxy';
import { FLOOR_LOOKUP_SQL } from './floor';

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
  /**
   * The floor: the retrieval's three round trips made one after another by a bare client
   * (node:http with keep-alive, one raw pg connection through the proxy), no service between.
   */
  | { op: 'floor'; collection: string; pgUrl: string; limit: number; queries: string[] }
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

export interface FloorRun {
  op: 'floor';
  latencies: number[];
}

export interface Counts {
  op: 'counts';
  providerCalls: number;
  /** The most embedding requests the stub had in flight at once since the previous counts. */
  peakProviderRequests: number;
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
        // The same client as the floor's, so the comparison is of what lies behind it.
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        const latencies: number[] = [];
        const stages: Record<string, number[]> = {};
        try {
          for (const query of request.queries) {
            const started = performance.now();
            const body = (await postJson(`${request.baseUrl}/v1/retrieve`, { query, top_k: 10 }, agent)) as {
              timings_ms: Record<string, number>;
            };
            latencies.push(performance.now() - started);
            for (const [stage, ms] of Object.entries(body.timings_ms)) (stages[stage] ??= []).push(ms);
          }
        } finally {
          agent.destroy();
        }
        port.postMessage({ op: 'retrieved', latencies, stages } satisfies RetrieveRun);
        return;
      }
      case 'floor': {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        const pg = new Client({ connectionString: request.pgUrl });
        await pg.connect();
        const search = `http://127.0.0.1:${qdrantProxy.port}/collections/${request.collection}/points/query`;
        const latencies: number[] = [];
        try {
          for (const query of request.queries) {
            const started = performance.now();
            const embedded = (await postJson(
              `${stub.url}/embeddings`,
              { model: setup.model, input: [query] },
              agent,
            )) as {
              data: { embedding: number[] }[];
            };
            const found = (await postJson(
              search,
              { query: embedded.data[0].embedding, limit: request.limit, with_payload: false },
              agent,
            )) as { result: { points: { id: string }[] } };
            await pg.query(FLOOR_LOOKUP_SQL, [found.result.points.map((point) => point.id)]);
            latencies.push(performance.now() - started);
          }
        } finally {
          agent.destroy();
          await pg.end();
        }
        port.postMessage({ op: 'floor', latencies } satisfies FloorRun);
        return;
      }
      case 'counts':
        port.postMessage({
          op: 'counts',
          providerCalls: stub.calls(),
          peakProviderRequests: stub.takePeakInFlight(),
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

/** POST a JSON body over a keep-alive agent; the parsed 2xx answer. */
function postJson(url: string, body: unknown, agent: Agent): Promise<unknown> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          if ((res.statusCode ?? 0) >= 300)
            reject(new Error(`${url} answered ${res.statusCode}: ${text.slice(0, 200)}`));
          else resolve(JSON.parse(text));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** An OpenAI-compatible `/embeddings` that answers after `latencyMs`, with hashing vectors. */
async function startEmbeddingStub(
  dimension: number,
  model: string,
  latencyMs: number,
): Promise<{
  server: Server;
  url: string;
  calls(): number;
  /** The most requests in flight at once since the last call. */
  takePeakInFlight(): number;
  setLatency(ms: number): void;
}> {
  const hashing = new HashingEmbeddingProvider(dimension);
  let calls = 0;
  let inFlight = 0;
  let peak = 0;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      calls++;
      peak = Math.max(peak, ++inFlight);
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
        inFlight--;
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
    takePeakInFlight: () => {
      const seen = peak;
      peak = inFlight;
      return seen;
    },
    setLatency: (ms) => (latencyMs = ms),
  };
}

void main();
