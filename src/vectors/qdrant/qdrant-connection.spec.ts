import { createQdrantClient, qdrantHeaders } from './qdrant-connection';

/** The base URL every request of the client goes to (its `_restUri`). */
const baseUrl = (url: string) =>
  (createQdrantClient({ url, timeoutMs: 1_000, compression: 'off' }) as unknown as { _restUri: string })
    ._restUri;

describe('the Qdrant client connection', () => {
  it.each([
    ['https://qdrant.example.com', 'https://qdrant.example.com:443'],
    ['https://qdrant.example.com:443', 'https://qdrant.example.com:443'],
    ['https://qdrant.example.com:6333', 'https://qdrant.example.com:6333'],
    ['http://qdrant.internal', 'http://qdrant.internal:80'],
    ['http://qdrant.internal:80', 'http://qdrant.internal:80'],
    ['http://127.0.0.1:6333', 'http://127.0.0.1:6333'],
    ['https://qdrant.example.com:8443', 'https://qdrant.example.com:8443'],
  ])('sends requests for QDRANT_URL=%s to %s (never a silent :6333)', (url, expected) => {
    expect(baseUrl(url)).toBe(expected);
  });

  it('asks for identity encoding unless compression is on, and sends the key as api-key', () => {
    expect(qdrantHeaders({ compression: 'off' })).toEqual({ 'accept-encoding': 'identity' });
    expect(qdrantHeaders({ compression: 'on', apiKey: 'k' })).toEqual({ 'api-key': 'k' });
  });

  it('does not print the client’s "unsecure connection" warning for a key over loopback http', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    createQdrantClient({ url: 'http://127.0.0.1:6333', apiKey: 'k', timeoutMs: 1_000, compression: 'off' });
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
