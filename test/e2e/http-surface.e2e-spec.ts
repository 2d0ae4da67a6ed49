import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, type TestApp } from '../support/app';

describe('HTTP surface', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('serves a valid OpenAPI 3 document at /docs-json and the Swagger UI at /docs', async () => {
    const res = await fetch(`${t.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    const document = await res.json();
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(document)).resolves.toBeDefined();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/db/status/neon', '/health/ready']));
    const ui = await fetch(`${t.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('answers an unknown route with the common error body', async () => {
    const res = await fetch(`${t.baseUrl}/v1/nothing-here`);
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'ROUTE_NOT_FOUND',
      message: 'Cannot GET /v1/nothing-here',
      request_id: res.headers.get('x-request-id'),
    });
  });

  it('issues its own request id whatever the caller sends: never the caller-supplied x-request-id', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const first = await fetch(`${t.baseUrl}/v1/nothing-here`, { headers: { 'x-request-id': 'trace-42.a' } });
    const second = await fetch(`${t.baseUrl}/v1/nothing-here`, { headers: { 'x-request-id': 'trace-42.a' } });
    for (const res of [first, second]) {
      expect(res.headers.get('x-request-id')).toMatch(uuid);
      expect((await res.json()).request_id).toBe(res.headers.get('x-request-id'));
    }
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
  });

  it('generates a UUID request id when none, or an unsafe one, is sent', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const plain = await fetch(`${t.baseUrl}/health/live`);
    expect(plain.headers.get('x-request-id')).toMatch(uuid);
    const unsafe = await fetch(`${t.baseUrl}/health/live`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(uuid);
    const other = await fetch(`${t.baseUrl}/health/live`);
    expect(other.headers.get('x-request-id')).not.toBe(plain.headers.get('x-request-id'));
  });
});
