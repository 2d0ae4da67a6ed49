import { QdrantClient } from '@qdrant/js-client-rest';

export interface QdrantConnection {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  compression: 'off' | 'on';
}

/**
 * Headers for every request to Qdrant, the client's and `db:verify`'s own. Unless compression is
 * on, ask for an uncompressed answer: with fetch's default `gzip, deflate` Qdrant compresses
 * every answer and sends it chunked, and one over ~1 KB then waits ~40 ms for a delayed
 * acknowledgement (1.4-1.8 ms with identity on the same server).
 */
export function qdrantHeaders(
  connection: Pick<QdrantConnection, 'apiKey' | 'compression'>,
): Record<string, string> {
  return {
    ...(connection.compression === 'off' ? { 'accept-encoding': 'identity' } : {}),
    ...(connection.apiKey ? { 'api-key': connection.apiKey } : {}),
  };
}

/**
 * The port the URL means. The client replaces a missing port with 6333, and a WHATWG URL drops
 * a default one (`https://host:443` parses with port ''), so both would reach :6333 instead of
 * the TLS ingress on 443: the port is always passed explicitly.
 */
export function qdrantPort(url: string): number {
  const parsed = new URL(url);
  if (parsed.port) return Number(parsed.port);
  return parsed.protocol === 'https:' ? 443 : 80;
}

/**
 * The REST client for one connection. The key goes as a header rather than `apiKey`, which
 * would print "Api key is used with unsecure connection" once per client, loopback included;
 * key-over-plain-HTTP to another host is refused by the store itself.
 */
export function createQdrantClient(connection: QdrantConnection): QdrantClient {
  return new QdrantClient({
    url: connection.url,
    port: qdrantPort(connection.url),
    headers: qdrantHeaders(connection),
    timeout: connection.timeoutMs,
    // The check is a fire-and-forget GET / that prints to the console; the health probe covers it.
    checkCompatibility: false,
  });
}
