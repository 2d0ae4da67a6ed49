import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { HashingEmbeddingProvider } from '../../src/embeddings/hashing-embedding.provider';
import { RetrievalLogWriter } from '../../src/retrieval/retrieval-log.writer';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';
import { startTestApp, type TestApp } from '../support/app';
import { bookChunks, ingestBody, postJson, uniqueDocument } from '../support/ingest';

const DIM = 16;
const DOCS = join(__dirname, '..', '..', 'docs');

interface Dashboard {
  panels: { type: string; title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
  templating: { list: { name: string; type: string; definition?: string }[] };
}

/** Prometheus text format → value by series (`name{labels}`), comments skipped. */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** The sum of every series of `name` whose labels include all of `labels`. */
function total(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of series) {
    const brace = key.indexOf('{');
    if ((brace === -1 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([label, v]) => key.includes(`${label}="${v}"`))) sum += value;
  }
  return sum;
}

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

describe('GET /metrics', () => {
  let double: QdrantDouble;
  let t: TestApp;

  const scrape = async () => {
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parseExposition(await res.text());
  };

  beforeAll(async () => {
    // The Qdrant double lets the test make vector writes fail, so the failure series move too.
    double = await startQdrantDouble();
    t = await startTestApp({
      env: {
        VECTOR_SIZE: String(DIM),
        QDRANT_URL: double.url,
        OUTBOX_POLL_MS: '100',
        OUTBOX_BACKOFF_BASE_MS: '20',
        OUTBOX_BACKOFF_MAX_MS: '50',
        OUTBOX_MAX_ATTEMPTS: '3',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await double?.close();
  });

  it('exposes every series with non-zero counts after ingest, retrieval, a failed sync and a check', async () => {
    const chunks = bookChunks(6, DIM);
    const ingest = await postJson(
      `${t.baseUrl}/v1/ingest`,
      ingestBody(uniqueDocument(), chunks, { embedding_model: new HashingEmbeddingProvider(DIM).model }),
    );
    expect(ingest.status).toBe(201);
    const [parked, slow] = ingest.body.chunks.map((c: { chunk_id: string }) => c.chunk_id);

    for (const body of [
      { mode: 'vector', query_vector: chunks[1].embedding, top_k: 3 },
      { mode: 'hybrid', query: 'sensor signal', top_k: 3 },
      {
        mode: 'selected_text',
        selected_text: chunks[2].chunk_text,
        query_vector: chunks[2].embedding,
        top_k: 3,
      },
    ]) {
      expect((await postJson(`${t.baseUrl}/v1/retrieve`, body)).status).toBe(200);
    }

    // Qdrant refuses one delete until the row runs out of attempts, then stalls another: both
    // points outlive their rows, so hydration drops them and the consistency check reports them.
    double.inject('delete_points', { status: 503, message: 'Service Unavailable' });
    expect((await fetch(`${t.baseUrl}/v1/chunks/${parked}`, { method: 'DELETE' })).status).toBe(204);
    await eventually(async () => total(await scrape(), 'ragstore_outbox_failed_rows') === 1);
    double.clearFaults();
    double.inject('delete_points', { latencyMs: 4_000 });
    expect((await fetch(`${t.baseUrl}/v1/chunks/${slow}`, { method: 'DELETE' })).status).toBe(204);
    const drop = await postJson(`${t.baseUrl}/v1/retrieve`, {
      mode: 'vector',
      query_vector: chunks[0].embedding,
      top_k: 3,
    });
    expect(drop.body.results.map((r: { chunk_id: string }) => r.chunk_id)).not.toContain(parked);
    const check = await fetch(`${t.baseUrl}/v1/admin/consistency`);
    expect(await check.json()).toMatchObject({ drift: { deleted_but_present: { count: 2 } } });
    // The outbox gauges are cached for two seconds; let the cache turn over.
    await new Promise((r) => setTimeout(r, 2_100));

    const m = await scrape();
    const count = (name: string, labels?: Record<string, string>) => total(m, `${name}_count`, labels);
    expect(
      count('ragstore_http_request_duration_seconds', {
        route: '/v1/ingest',
        method: 'POST',
        status_code: '201',
      }),
    ).toBe(1);
    expect(
      count('ragstore_http_request_duration_seconds', { route: '/v1/retrieve', status_code: '200' }),
    ).toBe(4);
    expect(
      count('ragstore_http_request_duration_seconds', { route: '/v1/chunks/:chunk_id', method: 'DELETE' }),
    ).toBe(2);
    for (const mode of ['vector', 'hybrid', 'selected_text']) {
      for (const stage of ['embed', 'vector_search', 'metadata', 'total']) {
        expect(count('ragstore_retrieval_stage_duration_seconds', { mode, stage })).toBeGreaterThan(0);
      }
    }
    expect(total(m, 'ragstore_retrieval_dropped_hits_total', { reason: 'not_live' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      count('ragstore_vector_store_request_duration_seconds', { operation: 'upsert', outcome: 'success' }),
    ).toBeGreaterThan(0);
    expect(
      count('ragstore_vector_store_request_duration_seconds', { operation: 'search', outcome: 'success' }),
    ).toBe(4);
    expect(
      count('ragstore_vector_store_request_duration_seconds', { operation: 'deleteByIds', outcome: 'error' }),
    ).toBeGreaterThan(0);
    expect(total(m, 'ragstore_outbox_sync_failures_total')).toBeGreaterThan(0);
    // The stalled delete, plus the repair hints hydration queued for the dropped hits.
    expect(total(m, 'ragstore_outbox_pending_rows')).toBeGreaterThanOrEqual(1);
    expect(total(m, 'ragstore_outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(total(m, 'ragstore_outbox_failed_rows')).toBe(1);
    expect(total(m, 'ragstore_consistency_drift_items', { kind: 'deleted_but_present' })).toBe(2);
    expect(total(m, 'ragstore_consistency_drift_items', { kind: 'orphaned_in_vector_store' })).toBe(0);
    expect(total(m, 'ragstore_consistency_last_check_timestamp_seconds')).toBeGreaterThan(0);
    expect(total(m, 'ragstore_db_pool_connections')).toBeGreaterThan(0);
    expect(total(m, 'ragstore_db_pool_idle_connections')).toBeGreaterThan(0);
    expect(m.has('ragstore_db_pool_waiting_clients')).toBe(true);
    expect(total(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(total(m, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  // Runs after the test above, whose ingest, retrievals, failed syncs, dropped hits and check made
  // every series exist: a panel querying a name the service does not export would draw nothing.
  it('docs/grafana/ragstore.json queries only series this scrape has, and covers what operators watch', async () => {
    const dashboard = JSON.parse(readFileSync(join(DOCS, 'grafana', 'ragstore.json'), 'utf8')) as Dashboard;
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    const queries = [
      ...panels.flatMap((p) => p.targets.map((target) => ({ panel: p.title, expr: target.expr }))),
      ...dashboard.templating.list
        .filter((v) => v.type === 'query')
        .map((v) => ({ panel: `variable ${v.name}`, expr: v.definition! })),
    ];
    const m = await scrape();
    const names = new Set([...m.keys()].map((key) => key.split('{')[0]));
    const missing = queries.flatMap(({ panel, expr }) =>
      [...expr.matchAll(/\b(?:ragstore|process|nodejs)_[a-z_]+/g)]
        .map(([name]) => name)
        .filter((name) => !names.has(name))
        .map((name) => `${panel}: ${name}`),
    );
    expect(missing).toEqual([]);
    const exprs = queries.map((q) => q.expr).join('\n');
    for (const needed of [
      'ragstore_retrieval_stage_duration_seconds_bucket', // retrieval latency by stage
      'by (le, stage)',
      'ragstore_outbox_oldest_pending_age_seconds', // outbox lag
      'ragstore_outbox_sync_failures_total', // and failures
      'ragstore_outbox_failed_rows',
      'ragstore_consistency_drift_items', // drift
      'ragstore_db_pool_waiting_clients', // pool use
      'ragstore_db_pool_idle_connections',
      'status_code=~"5.."', // errors
    ])
      expect(exprs).toContain(needed);
    // Every panel draws from the dashboard's Prometheus variable, so it imports into any Grafana.
    for (const panel of panels)
      expect(`${panel.title}: ${panel.datasource.uid}`).toBe(`${panel.title}: \${datasource}`);
  });

  it('labels requests by route template, and requests no route matched by one fixed label', async () => {
    await fetch(`${t.baseUrl}/v1/chunks/00000000-0000-4000-8000-000000000001`);
    await fetch(`${t.baseUrl}/no/such/${Date.now()}`);
    const m = await scrape();
    const routes = [...m.keys()]
      .filter((key) => key.startsWith('ragstore_http_request_duration_seconds_count'))
      .map((key) => /route="([^"]*)"/.exec(key)![1]);
    expect(routes).toContain('unmatched');
    expect(routes).toContain('/v1/chunks/:chunk_id');
    expect(routes.filter((route) => route.includes('00000000') || route.startsWith('/no/'))).toEqual([]);
  });

  it('counts retrieval log rows the database refused as lost', async () => {
    const before = total(await scrape(), 'ragstore_retrieval_log_rows_lost_total');
    // HTTP input can no longer hold a NUL (it is a 400 up front); a row that reaches the writer
    // with one anyway is refused by PostgreSQL, and must show up as lost, not vanish.
    await t.app.get(RetrievalLogWriter).enqueue({
      row: { log_id: randomUUID(), user_query: 'nul\u0000query', retrieval_mode: 'vector' },
      repairs: [],
    });
    await eventually(async () => total(await scrape(), 'ragstore_retrieval_log_rows_lost_total') > before);
    expect(total(await scrape(), 'ragstore_retrieval_log_rows_lost_total')).toBe(before + 1);
  });
});
