import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Lints each `[file, code]` as if the code were that file, with only the import-zone rules (no
 * type information needed). In a child process: ESLint loads eslint.config.mjs as an ES module,
 * which jest's module system cannot.
 */
function zoneErrors(cases: readonly (readonly [file: string, code: string])[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const eslint = new ESLint({
      overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
      ruleFilter: ({ ruleId }) => ruleId.endsWith('no-restricted-imports'),
    });
    Promise.all(cases.map(([file, code]) => eslint.lintText(code + '\\n', { filePath: file })))
      .then((results) => process.stdout.write(JSON.stringify(
        results.map(([r]) => r.messages.map((m) => m.ruleId + ': ' + m.message)))));
  `;
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    input: JSON.stringify(cases.map(([file, code]) => [join(ROOT, file), code])),
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[][];
}

/** The import zones of eslint.config.mjs are the architecture: each refuses what it must. */
const REFUSED: [string, string, string, RegExp][] = [
  [
    'a service importing typeorm',
    'src/users/users.service.ts',
    `import { DataSource } from 'typeorm';`,
    /TypeORM belongs/,
  ],
  [
    'a service injecting the data source',
    'src/logs/logs.service.ts',
    `import { InjectDataSource } from '@nestjs/typeorm';`,
    /TypeORM belongs/,
  ],
  [
    'a module file importing typeorm itself',
    'src/users/users.module.ts',
    `import { DataSource } from 'typeorm';`,
    /not typeorm itself/,
  ],
  [
    'the Qdrant client outside its adapter',
    'src/retrieval/x.ts',
    `import { QdrantClient } from '@qdrant/js-client-rest';`,
    /Only src\/vectors\/qdrant/,
  ],
  [
    'an entity module importing sync',
    'src/chunks/x.ts',
    `import { OutboxRelay } from '../sync/outbox-relay.service';`,
    /Entity modules never import/,
  ],
  [
    'an entity module importing ingestion',
    'src/users/x.ts',
    `import { IngestService } from '../ingestion/ingest.service';`,
    /Entity modules never import/,
  ],
  [
    'sync importing ingestion',
    'src/sync/x.ts',
    `import { IngestService } from '../ingestion/ingest.service';`,
    /sync is used by ingestion/,
  ],
  [
    'retrieval importing ingestion',
    'src/retrieval/x.ts',
    `import { IngestService } from '../ingestion/ingest.service';`,
    /never imports ingestion/,
  ],
  [
    'common importing a feature',
    'src/common/x.ts',
    `import { ApiKeysService } from '../auth/api-keys.service';`,
    /common\/ is imported by features/,
  ],
  [
    'the typed client importing the service',
    'client/index.ts',
    `import { RetrieveRequestDto } from '../src/retrieval/dto/retrieve-request.dto';`,
    /client\/ runs in browsers/,
  ],
  [
    'the typed client importing Nest',
    'client/index.ts',
    `import { Injectable } from '@nestjs/common';`,
    /client\/ runs in browsers/,
  ],
];

const ALLOWED: [string, string, string][] = [
  [
    'a repository importing typeorm',
    'src/users/users.repository.ts',
    `import { DataSource } from 'typeorm';`,
  ],
  [
    'a module file importing TypeOrmModule',
    'src/users/users.module.ts',
    `import { TypeOrmModule } from '@nestjs/typeorm';`,
  ],
  [
    'the Qdrant adapter importing its client',
    'src/vectors/qdrant/x.ts',
    `import { QdrantClient } from '@qdrant/js-client-rest';`,
  ],
  [
    'ingestion importing sync',
    'src/ingestion/x.ts',
    `import { OutboxRelay } from '../sync/outbox-relay.service';`,
  ],
  [
    'a service importing the transaction type',
    'src/users/users.service.ts',
    `import type { Transaction } from '../database/transactions';`,
  ],
  [
    'the typed client importing openapi-fetch',
    'client/index.ts',
    `import createClient from 'openapi-fetch';`,
  ],
  [
    'a CLI importing the typed client',
    'src/cli/ingest.ts',
    `import { createRagstoreClient } from '../../client';`,
  ],
];

describe('ESLint import zones', () => {
  let refused: string[][];
  let allowed: string[][];
  beforeAll(() => {
    const results = zoneErrors([...REFUSED, ...ALLOWED].map(([, file, code]) => [file, code] as const));
    refused = results.slice(0, REFUSED.length);
    allowed = results.slice(REFUSED.length);
  }, 120_000);

  it.each(REFUSED.map((c, i) => [...c, i] as const))('refuses %s', (_case, _file, _code, message, i) => {
    expect(refused[i]).toEqual([expect.stringMatching(message)]);
  });

  it.each(ALLOWED.map((c, i) => [...c, i] as const))('allows %s', (_case, _file, _code, i) => {
    expect(allowed[i]).toEqual([]);
  });
});
