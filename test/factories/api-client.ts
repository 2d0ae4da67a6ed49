/** Minimal JSON-over-HTTP client for end-to-end tests against the real server. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiClient {
  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  get<T = any>(path: string, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  patch<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  delete<T = any>(path: string, headers?: Record<string, string>): Promise<ApiResponse<T>>;
}

export function apiClient(baseUrl: string): ApiClient {
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return {
    request,
    get: (path, headers) => request('GET', path, undefined, headers),
    post: (path, body, headers) => request('POST', path, body, headers),
    patch: (path, body, headers) => request('PATCH', path, body, headers),
    delete: (path, headers) => request('DELETE', path, undefined, headers),
  };
}

/**
 * Walks a keyset-paginated list to the end. `between` runs after each page (to insert rows
 * concurrently with the walk); returns every item in the order served.
 */
export async function collectPages<T>(
  api: ApiClient,
  path: string,
  between: (pageNumber: number) => Promise<void> = async () => {},
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const res: ApiResponse<{ items: T[]; next_cursor: string | null }> = await api.get(
      cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
    );
    if (res.status !== 200)
      throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
    pages++;
    await between(pages);
  } while (cursor);
  return { items, pages };
}

/** The field violations of a 400 body, as `field: rule` strings. */
export function violations(body: { details?: { field: string; rules: string[] }[] }): string[] {
  return (body.details ?? []).flatMap((d) => d.rules.map((rule) => `${d.field}: ${rule}`));
}
