import 'reflect-metadata';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../../src/app.factory';
import { resolveDatabaseServer } from '../../src/database/database-server';
import { loadEvalSet } from './eval-set';
import { EVAL_MODES, evaluate, ingestBook, type EvalMode } from './evaluate';
import { compareHybridWithVector, renderScoreTable, summarise } from './metrics';

/**
 * `npm run eval [-- --url URL] [--api-key K] [--modes vector,hybrid,selected_text] [--top-k 10]
 * [--strict] [--json]`: loads the committed book (bench/eval/book) through the documents API,
 * asks the labelled questions (bench/eval/questions.json) in each retrieval mode over HTTP, and
 * prints recall@1, recall@5 and MRR@10 per mode and per question kind. Without `--url` it starts
 * the service itself on a throwaway DATA_DIR (embedded PostgreSQL and vector store, the
 * configured embedding provider: `hashing` unless EMBEDDING_PROVIDER says otherwise).
 * `--strict`: exit 3 unless hybrid scores at least as well as vector overall and better on the
 * lexical questions.
 */
const USAGE =
  'usage: npm run eval -- [--url URL] [--api-key KEY] [--modes vector,hybrid,selected_text] [--top-k N] [--strict] [--json]';

function parse() {
  try {
    return parseArgs({
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        modes: { type: 'string', default: EVAL_MODES.join(',') },
        'top-k': { type: 'string', default: '10' },
        strict: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

async function startOwnService(): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ragstore-eval-'));
  // As root, the embedded PostgreSQL runs as `postgres`, which must be able to traverse DATA_DIR.
  chmodSync(dataDir, 0o711);
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    AUTH_MODE: 'disabled',
    RATE_LIMIT_RETRIEVE: '0',
    RATE_LIMIT_INGEST: '0',
    RATE_LIMIT_DEFAULT: '0',
  });
  const server = await resolveDatabaseServer();
  const app = await createApp({ databaseUrl: server.url });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      await app.close();
      await server.embedded?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<number> {
  const args = parse();
  const modes = args.modes.split(',').filter(Boolean) as EvalMode[];
  const unknown = modes.filter((m) => !(EVAL_MODES as readonly string[]).includes(m));
  const topK = Number(args['top-k']);
  if (unknown.length > 0 || modes.length === 0 || !Number.isInteger(topK) || topK < 1 || topK > 50) {
    console.error(`--modes takes ${EVAL_MODES.join(', ')}; --top-k 1–50\n${USAGE}`);
    return 2;
  }
  const set = loadEvalSet();
  const own = args.url ? undefined : await startOwnService();
  const baseUrl = args.url ?? own!.baseUrl;
  const apiKey = args['api-key'] ?? process.env.RAGSTORE_API_KEY;
  try {
    const chunks = await ingestBook(set, baseUrl, apiKey);
    const outcomes = await evaluate(set, { baseUrl, apiKey, modes, topK });
    const rows = summarise(outcomes);
    const comparison = compareHybridWithVector(rows);
    if (args.json) {
      console.log(JSON.stringify({ chunks, rows, comparison, outcomes }, null, 2));
    } else {
      const kinds = (kind: string) => set.questions.filter((q) => q.kind === kind).length;
      console.log(
        `${set.questions.length} questions (${kinds('lexical')} lexical, ${kinds('paraphrased')} paraphrased) ` +
          `over ${set.book.length} chapters, ${chunks} chunks; top_k ${topK}\n`,
      );
      console.log(renderScoreTable(rows));
      if (comparison) {
        console.log(
          `\nhybrid >= vector overall: ${comparison.hybrid_at_least_vector ? 'yes' : 'NO'}; ` +
            `hybrid > vector on lexical questions: ${comparison.hybrid_better_on_lexical ? 'yes' : 'NO'}`,
        );
      }
    }
    const failed = comparison && !(comparison.hybrid_at_least_vector && comparison.hybrid_better_on_lexical);
    return args.strict && failed ? 3 : 0;
  } finally {
    await own?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`eval failed: ${error.message}`);
    process.exit(1);
  },
);
