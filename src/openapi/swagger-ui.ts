import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import { buildOpenApiDocument, shellDocument } from './openapi-document';

/** Routed paths; RequestGate (src/auth/request-gate.ts) gates them by the same two patterns. */
export const DOCUMENT_JSON_PATH = '/docs-json';
const DOCS_PATH = 'docs';

interface SwaggerUiSystem {
  specActions: { download(url: string): void };
  authSelectors: { authorized(): { getIn(path: string[]): unknown } };
}
type Authorize = (payload: unknown) => unknown;

/*
 * The two functions below run in the browser: Swagger UI's set-up serialises them into
 * /docs/swagger-ui-init.js with Function.prototype.toString, so they use nothing from their scope.
 */

/** After Authorize, (re)load the API document: the request carries the key (withAuthorizedKey). */
function loadDocumentOnAuthorize() {
  // Replacing Swagger UI's default plugin list: keep DownloadUrl, which provides specActions.download.
  const bundle = (globalThis as unknown as { SwaggerUIBundle: { plugins: { DownloadUrl: unknown } } })
    .SwaggerUIBundle;
  const reloadOnAuthorize = {
    statePlugins: {
      auth: {
        wrapActions: {
          authorize: (authorize: Authorize, system: SwaggerUiSystem) => (payload: unknown) => {
            const result = authorize(payload);
            system.specActions.download('/docs-json');
            return result;
          },
        },
      },
    },
  };
  return [bundle.plugins.DownloadUrl, reloadOnAuthorize];
}

/** Sends the authorized key with the document's own download (Swagger UI adds it to the calls). */
function withAuthorizedKey(request: { loadSpec?: boolean; headers: Record<string, string> }) {
  const ui = (globalThis as unknown as { ui?: SwaggerUiSystem }).ui;
  if (!request.loadSpec || !ui) return request;
  const authorized = ui.authSelectors.authorized();
  const bearer = authorized.getIn(['bearer', 'value']);
  const apiKey = authorized.getIn(['api_key', 'value']);
  if (typeof bearer === 'string' && bearer) request.headers['Authorization'] = 'Bearer ' + bearer;
  else if (typeof apiKey === 'string' && apiKey) request.headers['x-api-key'] = apiKey;
  return request;
}

/**
 * /docs-json and /docs-yaml serve the document; /docs serves Swagger UI. With `gated` (production)
 * the document needs a key like the API, and the UI page, which a plain browser opens without one,
 * holds only the shell (title and security schemes): after Authorize it downloads /docs-json with
 * the key entered, and "Try it out" sends the same key. Without `gated` the page embeds the document.
 */
export function setUpSwagger(app: INestApplication, options: { gated: boolean }): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    ui: false,
    raw: ['json', 'yaml'],
    jsonDocumentUrl: DOCUMENT_JSON_PATH,
    yamlDocumentUrl: '/docs-yaml',
  });
  SwaggerModule.setup(DOCS_PATH, app, options.gated ? shellDocument(document) : document, {
    raw: false,
    customSiteTitle: 'ragstore API',
    swaggerOptions: {
      // The admin key stays in the page's memory, never in localStorage.
      persistAuthorization: false,
      displayRequestDuration: true,
      ...(options.gated ? { plugins: [loadDocumentOnAuthorize], requestInterceptor: withAuthorizedKey } : {}),
    },
  });
}
