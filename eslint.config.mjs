// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Layering (docs/architecture.md, CONTRIBUTING.md): the import zones ARE the architecture.
// Libraries (@typescript-eslint/no-restricted-imports): the Qdrant client only in the Qdrant
// adapter; TypeORM only in repositories, entities, migrations, src/database/ and the operations
// CLIs (src/cli/, which read the schema and talk to the database directly). Services take
// `Transaction` and `Transactions` from src/database/transactions.ts.
// Modules (no-restricted-imports): dependencies point one way.
const QDRANT = { group: ['@qdrant/*'], message: 'Only src/vectors/qdrant/ may import the Qdrant client.' };
const TYPEORM = {
  group: ['typeorm', 'typeorm/*', '@nestjs/typeorm'],
  message:
    'TypeORM belongs in repositories, entities, migrations and src/database/: take Transaction / Transactions from src/database/transactions.ts.',
};
const MODULE_FILES_TYPEORM = {
  regex: '^typeorm(/|$)',
  message: 'A module file may import @nestjs/typeorm (TypeOrmModule), not typeorm itself.',
};
const modules = (names, message) => ({ regex: `(^|/)(${names.join('|')})/`, message });
const FEATURES = [
  'auth',
  'users',
  'chunks',
  'logs',
  'chat-history',
  'audit-logs',
  'ingestion',
  'retrieval',
  'sync',
  'vectors',
  'embeddings',
  'health',
  'observability',
  'openapi',
  'cli',
];
const restrict = (rule, ...patterns) => ({ [rule]: ['error', { patterns }] });
const SRC = ['src/**/*.ts'];
const PERSISTENCE = [
  'src/**/*.repository.ts',
  'src/**/*.entity.ts',
  'src/database/**/*.ts',
  'src/cli/**/*.ts',
  'migrations/**/*.ts',
];

const layering = [
  {
    files: [...SRC, 'migrations/**/*.ts'],
    rules: restrict('@typescript-eslint/no-restricted-imports', QDRANT, TYPEORM),
  },
  {
    files: ['src/**/*.module.ts'],
    rules: restrict('@typescript-eslint/no-restricted-imports', QDRANT, MODULE_FILES_TYPEORM),
  },
  { files: PERSISTENCE, rules: restrict('@typescript-eslint/no-restricted-imports', QDRANT) },
  {
    files: ['src/vectors/qdrant/**/*.ts'],
    rules: restrict('@typescript-eslint/no-restricted-imports', TYPEORM),
  },
  {
    files: ['src/{users,chunks,logs,chat-history,audit-logs}/**/*.ts'],
    rules: restrict(
      'no-restricted-imports',
      modules(
        ['ingestion', 'retrieval', 'sync'],
        'Entity modules never import ingestion, retrieval or sync: they use the entity modules.',
      ),
    ),
  },
  {
    files: ['src/sync/**/*.ts'],
    rules: restrict(
      'no-restricted-imports',
      modules(['ingestion', 'retrieval'], 'sync is used by ingestion, never the other way.'),
    ),
  },
  {
    files: ['src/retrieval/**/*.ts'],
    rules: restrict(
      'no-restricted-imports',
      modules(['ingestion'], 'retrieval reads chunks; it never imports ingestion.'),
    ),
  },
  {
    // The typed client is for frontends too: openapi-fetch and its own generated types, nothing else.
    files: ['client/**/*.ts'],
    rules: restrict('no-restricted-imports', {
      regex: '^(\\.\\./|@nestjs/|typeorm|@qdrant/|class-(validator|transformer)$|pg$|node:)',
      message:
        'client/ runs in browsers and is generated from the OpenAPI document: it imports openapi-fetch and its own files, never the service (src/, config/, Nest, Node).',
    }),
  },
  {
    files: ['src/common/**/*.ts'],
    rules: restrict(
      'no-restricted-imports',
      modules(FEATURES, 'common/ is imported by features and imports none of them.'),
    ),
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      '.data/',
      'scratch/',
      'jest.config.js',
      'eslint.config.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  ...layering,
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
