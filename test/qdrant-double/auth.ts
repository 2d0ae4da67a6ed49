import { createHmac, timingSafeEqual } from 'node:crypto';

/** Who a request's key makes the caller, after `src/actix/auth.rs` and `lib/storage/src/rbac/mod.rs`. */
export type Access =
  | { kind: 'manage' }
  | { kind: 'read' }
  /** A JWT whose `access` claim lists collections: rights on those only, no global operation. */
  | { kind: 'collections'; rights: Map<string, 'r' | 'rw' | 'prw'> };

/**
 * The caller's access, or the plain-text 401 Qdrant answers. `api-key` and `Authorization:
 * Bearer` are both read (`src/common/auth/mod.rs`); a JWT is HS256 signed with the api key
 * (`src/common/auth/jwt_parser.rs`), `access` absent meaning global manage.
 */
export function authenticate(
  headers: Record<string, string | string[] | undefined>,
  keys: { apiKey: string; readOnlyApiKey?: string },
): Access | { unauthorized: string } {
  const bearer = /^Bearer (.+)$/i.exec(String(headers.authorization ?? ''))?.[1];
  const key = (headers['api-key'] as string | undefined) ?? bearer;
  if (!key) return { unauthorized: 'Must provide an API key or an Authorization bearer token' };
  if (key === keys.apiKey) return { kind: 'manage' };
  if (key === keys.readOnlyApiKey) return { kind: 'read' };
  const claims = verifyJwt(key, keys.apiKey);
  if (!claims) return { unauthorized: 'Invalid API key or JWT' };
  const access = claims.access;
  if (access === undefined || access === 'm') return { kind: 'manage' };
  if (access === 'r') return { kind: 'read' };
  const rights = new Map<string, 'r' | 'rw' | 'prw'>();
  for (const entry of access as { collection: string; access: 'r' | 'rw' | 'prw' }[]) {
    rights.set(entry.collection, entry.access);
  }
  return { kind: 'collections', rights };
}

/** An HS256 JWT for the double (and the tests), signed with the api key as Qdrant expects. */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

function verifyJwt(token: string, secret: string): Record<string, unknown> | undefined {
  const [header, body, signature] = token.split('.');
  if (!header || !body || !signature) return undefined;
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
