import { request as httpRequest, type ClientRequest } from 'node:http';

export interface PartialRequest {
  /** The answer, if the server gives one before the body is complete (or after `abort`, never). */
  response: Promise<{ status: number; body: any }>;
  /** Ends the request without sending the rest of the declared body. */
  abort(): void;
}

/**
 * A request that declares a large body and sends only its first bytes, then waits: a server that
 * reads the body before deciding can only answer once the whole body has arrived (here, never),
 * so any answer proves the decision was made before the body was read.
 */
export function partialRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; declaredBytes: number; firstBytes?: string },
): PartialRequest {
  let req: ClientRequest;
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req = httpRequest(
      `${baseUrl}${path}`,
      {
        method,
        headers: {
          'content-type': 'application/json',
          'content-length': String(options.declaredBytes),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.write(options.firstBytes ?? '{"chunks": [');
  });
  // A request aborted by the test rejects its promise; nobody awaits it then.
  response.catch(() => undefined);
  return { response, abort: () => req.destroy() };
}
