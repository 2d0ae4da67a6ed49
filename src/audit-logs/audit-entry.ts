export const AUDIT_OPERATIONS = [
  'create',
  'update',
  'soft_delete',
  'hard_delete',
  'login',
  'ingest',
  'revoke',
] as const;
export type AuditOperation = (typeof AUDIT_OPERATIONS)[number];

export const AUDIT_RESOURCES = ['user', 'chunk', 'log', 'chat_turn', 'document', 'api_key'] as const;
export type AuditResource = (typeof AUDIT_RESOURCES)[number];

/** One write to record. The request's ip, user agent and id are added by `AuditLogsService.record`. */
export interface AuditEntry {
  operation_type: AuditOperation;
  resource_type: AuditResource;
  /** Null for operations over many resources (e.g. a retention purge); details say which. */
  resource_id: string | null;
  /** The acting user when the resource's own user is the actor; null when unknown. */
  user_id: string | null;
  details?: Record<string, unknown>;
}

export type FieldChanges = Record<string, { old: unknown; new: unknown }>;

/**
 * Resources whose fields are a person's data (a user's email, profile and preferences; the text of
 * a retrieval or a chat turn). Their audit rows name the fields that changed, never the values:
 * the trail is append-only, so a value written there could never be erased with the user.
 */
export const PERSONAL_RESOURCES: ReadonlySet<AuditResource> = new Set(['user', 'log', 'chat_turn']);

/**
 * The fields of `after` whose values differ from `before`, with both values. Callers pass only
 * the fields a client may change, so secrets and embeddings never reach the trail.
 */
export function changedFields<T extends object>(before: T | null, after: Partial<T>): FieldChanges {
  const changes: FieldChanges = {};
  for (const [field, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const old: unknown = before ? before[field as keyof T] : null;
    if (JSON.stringify(old) !== JSON.stringify(value)) changes[field] = { old: old ?? null, new: value };
  }
  return changes;
}

/** The names of the changed fields, in the order given: what a personal resource's audit row records. */
export function fieldNames(changes: FieldChanges): string[] {
  return Object.keys(changes);
}

/** The new values of a set of changes: what an UPDATE should write. */
export function newValues<T>(changes: FieldChanges): Partial<T> {
  return Object.fromEntries(
    Object.entries(changes).map(([field, change]) => [field, change.new]),
  ) as Partial<T>;
}
