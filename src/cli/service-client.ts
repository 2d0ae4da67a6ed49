import { loadAuthConfig } from '../../config';

/** A running ragstore service on this machine, as its `owner.json` advertises it. */
export interface RunningService {
  pid: number;
  url: string;
}

/**
 * One admin API call to the running service, for CLIs whose work needs the embedded vector store
 * that service owns. The key is RAGSTORE_API_KEY, else ADMIN_API_KEY (the service's own
 * bootstrap key when the CLI shares its environment); none is needed while auth is disabled.
 * A refusal or an unreachable service is one line naming what to do.
 */
export async function adminRequest<T>(
  service: RunningService,
  method: 'GET' | 'POST',
  path: string,
): Promise<T> {
  const key = process.env.RAGSTORE_API_KEY || loadAuthConfig().adminApiKey;
  let response: Response;
  try {
    response = await fetch(new URL(path, service.url), {
      method,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(10 * 60_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`The running service (pid ${service.pid}) does not answer at ${service.url}: ${cause}`, {
      cause: error,
    });
  }
  const text = await response.text();
  if (response.ok) return JSON.parse(text) as T;
  let code = '';
  let message = '';
  try {
    ({ code = '', message = '' } = JSON.parse(text) as { code?: string; message?: string });
  } catch {
    // not our error shape
  }
  const what = `${method} ${path} (${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''})`;
  if (response.status === 401 || response.status === 403) {
    throw new Error(
      `The running service (pid ${service.pid}) refused ${what}: set RAGSTORE_API_KEY (or ADMIN_API_KEY) to one of its admin keys`,
    );
  }
  throw new Error(`The running service (pid ${service.pid}) failed ${what}`);
}
