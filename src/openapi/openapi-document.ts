import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../auth/roles';

export const API_TITLE = 'ragstore';
export const API_VERSION = '0.1.0';

/** The tags in reading order: the main flow (ingest, retrieve, record the chat turn) first. */
const TAGS: [name: string, description: string][] = [
  ['ingestion', 'Load the book: chunks with or without embeddings, or whole documents'],
  ['retrieval', 'Find the chunks that answer a question'],
  ['chat-history', 'Record each answered question (the chat turn) and read a reader’s history'],
  ['logs', 'The retrieval log: one row per retrieval'],
  ['chunks', 'Read, correct and delete stored chunks'],
  ['users', 'Readers and their preferences'],
  ['audit-logs', 'Who changed what'],
  ['admin', 'API keys and the PostgreSQL ↔ vector store consistency check'],
  ['health', 'Probes (no key needed)'],
];

const KEY_DESCRIPTION =
  'An API key (`rsk_…`, or the bootstrap ADMIN_API_KEY): opaque, not a JWT. Send it as ' +
  '`Authorization: Bearer <key>` or as `x-api-key: <key>`.';

function builder(): DocumentBuilder {
  const documentBuilder = new DocumentBuilder()
    .setTitle(API_TITLE)
    .setDescription(
      'Storage for a RAG chatbot about a book: chunks, retrieval, chat history, users and audit ' +
        'logs in PostgreSQL; embeddings in Qdrant. Every error answers ' +
        '{statusCode, error, code, message, request_id, details?}.',
    )
    .setVersion(API_VERSION)
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'x-api-key', description: KEY_DESCRIPTION },
      API_KEY_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'opaque API key', description: KEY_DESCRIPTION },
      BEARER_SCHEME,
    );
  for (const [name, description] of TAGS) documentBuilder.addTag(name, description);
  return documentBuilder;
}

/**
 * The OpenAPI document of every route, from the controllers' decorators. The same function
 * serves /docs-json and writes client/openapi.json (`npm run client:generate`), which works on
 * an application created in preview mode: no database, no listening port.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(app, builder().build());
}

/**
 * What the public Swagger UI page starts from in production: the title and the ways to
 * authorize, and no route. The UI loads the real document with the key once the admin has
 * authorized (src/openapi/swagger-ui.ts).
 */
export function shellDocument(document: OpenAPIObject): OpenAPIObject {
  return {
    openapi: document.openapi,
    info: {
      title: document.info.title,
      version: document.info.version,
      description:
        'Click **Authorize**, enter an admin (or any) API key and close the dialog: the API ' +
        'document is loaded with that key. Nothing about the API is shown without one.',
    },
    paths: {},
    components: { securitySchemes: document.components?.securitySchemes ?? {} },
  };
}
