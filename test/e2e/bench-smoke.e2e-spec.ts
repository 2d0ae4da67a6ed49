import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const ROOT = join(__dirname, '..', '..');

/** Every figure `npm run bench` promises; a missing one means a section silently stopped reporting. */
const EXPECTED = [
  'ingest, HTTP → synced',
  'ingest, HTTP accepted (before sync)',
  'outbox lag p50',
  'outbox lag p99',
  'raw COPY (FORMAT binary) into a copy of chunks',
  'raw INSERT … unnest, 500/batch',
  'raw INSERT multi-row VALUES, 500/batch',
  'floor: embedded search + raw ANY($1), p50',
  ...[1, 10].flatMap((c) =>
    ['vector', 'hybrid', 'selected_text'].flatMap((mode) =>
      ['p50', 'p95', 'p99', 'throughput'].map((what) => `retrieve ${mode} c=${c} ${what}`),
    ),
  ),
  'hydration, repository p50',
  'hydration, repository p99',
  'SQL statements per retrieval, vector (max)',
  'SQL statements per retrieval, hybrid (max)',
  'SQL statements per retrieval, selected_text (max)',
  'spec: vector search p99 (all modes)',
  'spec: metadata retrieval p99 (all modes)',
  'GET /health/live c=10',
  'embedded exact search 300 × 1024, JS kernel (before), p50',
  'embedded exact search 300 × 1024, native SIMD, p50',
  'embedded exact search 300 × 1024, native SIMD, p99',
  'embedded HNSW build rate',
  'embedded HNSW search 300 × 1024, p50',
  'embedded HNSW search 300 × 1024, p99',
  'embedded HNSW recall@10 vs exact (10 queries)',
];

describe('npm run bench (smoke, 300 chunks)', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'ragstore-bench-smoke-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes and reports every figure, with its floor where it has one', async () => {
    const out = join(dir, 'results.json');
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        'bench/run.ts',
        '--chunks',
        '300',
        '--requests',
        '10',
        '--phase-ms',
        '3000',
        '--out',
        out,
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DATABASE_URL: db.url,
          DATA_DIR: join(dir, 'data'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });

    const results = JSON.parse(readFileSync(out, 'utf8'));
    const byName = new Map(results.figures.map((f: { name: string }) => [f.name, f]));
    for (const name of EXPECTED) {
      const figure: any = byName.get(name);
      expect({ name, value: Number.isFinite(figure?.value) }).toEqual({ name, value: true });
      if (figure.reference) expect(Number.isFinite(figure.ratio)).toBe(true);
    }
    // The served store's recall (the embedded one here), against exact search on the same queries.
    const served: any = results.figures.find((f: { name: string }) =>
      /^\w+ recall@10 vs exact \(\d+ queries\)$/.test(f.name),
    );
    expect(served?.value).toBeGreaterThanOrEqual(0.99);
    expect(results.goals.length).toBeGreaterThanOrEqual(7);
    expect(output).toContain('| figure');
  }, 90_000);
});
