/**
 * The typed ragstore client: openapi-fetch over the types generated from the service's OpenAPI
 * document (client/schema.ts, `npm run client:generate`). It imports nothing from the service, so
 * a browser frontend can use it as it is.
 *
 *   const ragstore = createRagstoreClient({ baseUrl: 'https://ragstore.example.com', apiKey });
 *   const { data, error } = await ragstore.POST('/v1/retrieve', { body: { query: 'What is a strain gauge?' } });
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, operations, paths } from './schema';

type Schemas = components['schemas'];
export type RetrieveRequest = Schemas['RetrieveRequestDto'];
export type RetrieveResponse = Schemas['RetrieveResponseDto'];
export type RetrievalResult = Schemas['RetrievalResultDto'];
export type IngestRequest = Schemas['IngestRequestDto'];
export type IngestResponse = Schemas['IngestResponseDto'];
export type PutDocumentRequest = Schemas['PutDocumentDto'];
export type ChatTurnRequest = Schemas['CreateChatTurnDto'];
export type ChatTurn = Schemas['ChatTurnResponseDto'];
/** The one error body of every route: {statusCode, error, code, message, request_id, details?}. */
export type ApiError = Schemas['ErrorResponseDto'];

export type RagstoreClient = Client<paths>;

export interface RagstoreClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** The service's origin, e.g. http://localhost:3000 (no trailing /v1). */
  baseUrl: string;
  /** An API key (`rsk_…`), sent as `Authorization: Bearer`; omit while authentication is off. */
  apiKey?: string;
}

export function createRagstoreClient({
  baseUrl,
  apiKey,
  headers,
  ...options
}: RagstoreClientOptions): RagstoreClient {
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: {
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      ...(headers as Record<string, string>),
    },
    ...options,
  });
}
