import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { retrievalConfig } from '../../config';
import { PreparedStatements } from '../database/prepared-statements';
import { withStatementTimeout } from '../database/statement-timeout';
import type { VectorFilter } from '../vectors/vector-store';
import type { VerifiedRow } from './hydration';
import type { SelectionProbe } from './selection-probe';
import type { ChunkRow } from './retrieval.types';
import { CHUNK_READ_COLUMNS, chunkReadList } from '../chunks/chunk-columns';
import type { TermStatistics } from './common-terms';

/**
 * A live row found by full-text search or hydrated for a vector hit, in one statement. Only a row
 * that fusion can serve carries its columns; the others carry their id, `in_filter` and ranks
 * (the columns are null), which is all fusion and the trace need of them.
 */
export type HybridRow = VerifiedRow & { text_rank: number | null; text_score: number | null };

/** What findHybridCandidates searches for; see there. */
export interface HybridSearch {
  vectorIds: readonly string[];
  query: string;
  commonLexemes: readonly string[] | null;
  filter: VectorFilter | undefined;
  limit: number;
  matchLimit: number;
  served: number;
}

export type OverlappingRow = ChunkRow & { contains_selection: boolean; within_selection: boolean };

/** The read projection (src/chunks/chunk-columns.ts) on alias `c`. */
const COLUMNS = chunkReadList('c');
/** The read projection with every column but the id null unless `servable` (findHybridCandidates). */
const SERVABLE_COLUMNS = CHUNK_READ_COLUMNS.map((column) =>
  column === 'chunk_id' ? 'c.chunk_id' : `CASE WHEN s.servable THEN c.${column} END AS ${column}`,
).join(', ');
/** Text matches kept by the cheap rank per text hit wanted, for the cover-density rank. */
const TEXT_SHORTLIST_FACTOR = 3;

/** A lexeme as a quoted tsquery operand: taken as it is, never re-parsed or stemmed again. */
const tsqueryOperand = (sql: string) =>
  `'''' || replace(replace(${sql}, '\\', '\\\\'), '''', '''''') || ''''`;

/** Case, punctuation and whitespace folded away, so containment survives reflowed or re-typed text. */
const normalised = (sql: string) => `btrim(regexp_replace(lower(${sql}), '[^[:alnum:]]+', ' ', 'g'))`;

/**
 * Retrieval's reads of `chunks`. Each method is ONE statement: a retrieval makes exactly one
 * round trip to PostgreSQL on its hot path, whatever the mode. Statements run as named prepared
 * statements (PreparedStatements): parsed and planned once per connection. Each is bounded by
 * RETRIEVAL_STATEMENT_TIMEOUT_MS (cancelled past it: SQLSTATE 57014), so one costly query cannot
 * hold a pooled connection for the general DB_STATEMENT_TIMEOUT_MS.
 */
@Injectable()
export class RetrievalRepository {
  constructor(
    private readonly statements: PreparedStatements,
    @Inject(retrievalConfig.KEY) private readonly config: ConfigType<typeof retrievalConfig>,
  ) {}

  private read<T>(sql: string, params: unknown[]): Promise<T> {
    const ms = this.config.statementTimeoutMs;
    const run = () => this.statements.query(sql, params) as Promise<T>;
    return ms > 0 ? withStatementTimeout(ms, run) : run();
  }

  /**
   * The live rows among `ids` (primary-key lookups), each flagged with whether Postgres' own
   * values still match `filter`: the vector store's payload may be stale.
   *
   * Plan shape: the liveness test sits outside an `OFFSET 0` subquery that only the primary key
   * can serve. Written inline, `deleted_at IS NULL` matches the partial unique index on live rows,
   * and on a table no ANALYZE has seen yet (a fresh load, before autovacuum) the planner prices
   * that index at a few dozen entries and scans all of it: 1–3 ms a request instead of 0.05 ms.
   */
  findLiveByIds(ids: readonly string[], filter: VectorFilter | undefined): Promise<VerifiedRow[]> {
    const params: unknown[] = [ids];
    return this.read(
      `SELECT ${COLUMNS}, ${filterSql(filter, params)} AS in_filter
         FROM (SELECT * FROM chunks WHERE chunk_id = ANY($1::uuid[]) OFFSET 0) c
        WHERE c.deleted_at IS NULL`,
      params,
    );
  }

  /**
   * Hybrid mode in one statement: the full-text top `limit` (`textQuery`'s websearch input over
   * the generated `search_vector`, GIN index; ranked by cover density, which rewards the query's
   * words close together, divided by 1 + log(length) so long chunks do not win by size) under the
   * filter, plus the live rows of the vector hits `vectorIds`, all returned with their text rank
   * (null when not a text hit).
   *
   * Which rows are ranked: those matching the query's words other than `commonLexemes` (any of
   * them), or, when all its words are common, those holding all of them; every word counts in
   * the ranking. `commonLexemes` null (a query in websearch syntax) matches the query as written.
   * At most `matchLimit` matching rows are ranked (the first the GIN index yields), so a query of
   * common words costs the same at 10 000 chunks as at 1 000 000; the query's terms are capped by
   * the request rules. Ranking is in two steps: `ts_rank` (term frequency, ≈ 0.9 µs a row) keeps
   * the best TEXT_SHORTLIST_FACTOR × `limit` of the matches, and only those are ranked by cover
   * density (`ts_rank_cd`, ≈ 3 µs a row): on the bench corpus the top 10 agreed with ranking every
   * match by cover density for 98.8 % of 100 queries, at ≈ 2/3 of the leg's time. Plan shape: as
   * in findLiveByIds, liveness and the filter are applied outside subqueries the planner cannot
   * flatten (`LIMIT`, `OFFSET 0`), so without statistics the text leg still starts from the
   * full-text index and the hydration from the primary key.
   *
   * Which rows carry their columns: of the ≈ 2 × `limit` candidates, reciprocal rank fusion can
   * serve among the top `served` only one within the top `served` of its list (the vector list
   * counting only live rows under the filter), or one in both lists. A row in one list at rank
   * r > `served` is outscored by the `served` rows above it in that same list (each at least
   * w / (k + served) > w / (k + r), or, with a zero weight, tied and ahead by rank). The others
   * come back as ids: on the bench's 1 024-d corpus, 100 full rows cost ≈ 3× as much to send and
   * parse as 25.
   */
  findHybridCandidates(search: HybridSearch): Promise<HybridRow[]> {
    const { vectorIds, query, commonLexemes, filter, limit, matchLimit, served } = search;
    const params: unknown[] = [vectorIds, query, limit, matchLimit, commonLexemes, served];
    const inFilter = filterSql(filter, params);
    const shortlist = `$${params.push(limit * TEXT_SHORTLIST_FACTOR)}`;
    const operand = tsqueryOperand('l');
    return this.read(
      `WITH terms AS MATERIALIZED (
         SELECT q.query,
                CASE WHEN $5::text[] IS NULL THEN q.query ELSE coalesce(
                  (SELECT coalesce(string_agg(${operand}, ' | ') FILTER (WHERE l <> ALL($5::text[])),
                                   string_agg(${operand}, ' & '))::tsquery
                     FROM unnest(tsvector_to_array(to_tsvector('english', $2))) AS l),
                  q.query) END AS match
           FROM websearch_to_tsquery('english', $2) AS q(query)),
       text_hits AS (
         SELECT r.chunk_id, ts_rank_cd(r.search_vector, r.query, 1) AS text_score,
                row_number() OVER (ORDER BY ts_rank_cd(r.search_vector, r.query, 1) DESC, r.chunk_id) AS text_rank
           FROM (SELECT c.chunk_id, c.search_vector, t.query
                   FROM (SELECT m.* FROM chunks m
                          WHERE m.search_vector @@ (SELECT match FROM terms)
                          LIMIT $4) c, terms t
                  WHERE c.deleted_at IS NULL AND ${inFilter}
                  ORDER BY ts_rank(c.search_vector, t.query, 1) DESC
                  LIMIT ${shortlist}) r
          ORDER BY text_rank
          LIMIT $3),
       candidates AS (
         SELECT c.*, ${inFilter} AS in_filter, v.position, t.text_rank, t.text_score
           FROM (SELECT * FROM chunks
                  WHERE chunk_id = ANY($1::uuid[]) OR chunk_id = ANY(ARRAY(SELECT chunk_id FROM text_hits))
                 OFFSET 0) c
           LEFT JOIN unnest($1::uuid[]) WITH ORDINALITY AS v(chunk_id, position) ON v.chunk_id = c.chunk_id
           LEFT JOIN text_hits t ON t.chunk_id = c.chunk_id
          WHERE c.deleted_at IS NULL),
       ranked AS (
         SELECT *, CASE WHEN position IS NOT NULL AND in_filter
                        THEN row_number() OVER (PARTITION BY position IS NOT NULL AND in_filter ORDER BY position) END AS vector_rank
           FROM candidates)
       SELECT ${SERVABLE_COLUMNS}, c.in_filter, c.text_rank::int AS text_rank, c.text_score::float8 AS text_score
         FROM ranked c
        CROSS JOIN LATERAL (SELECT c.text_rank <= $6 OR c.vector_rank <= $6
                                   OR (c.text_rank IS NOT NULL AND c.vector_rank IS NOT NULL) AS servable) s`,
      params,
    );
  }

  /** ANALYZE's sample of `search_vector`'s most common lexemes, for TermStatisticsCache. */
  async readTermStatistics(): Promise<TermStatistics> {
    const [row] = await this.read<{ lexemes: string[] | null; frequencies: number[] | null; rows: number }[]>(
      `SELECT s.most_common_elems::text::text[] AS lexemes, s.most_common_elem_freqs AS frequencies,
              (SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass)::float8 AS rows
         FROM (SELECT 1) one
         LEFT JOIN pg_stats s
           ON s.schemaname = current_schema() AND s.tablename = 'chunks' AND s.attname = 'search_vector'`,
      [],
    );
    return { lexemes: row.lexemes ?? [], frequencies: row.frequencies ?? [], rows: row.rows };
  }

  /**
   * Live chunks under `filter` that overlap the reader's selection: candidates come from indexes
   * (the fingerprints GIN for shared runs of words, the full-text GIN for the opening and closing
   * phrases) and each is confirmed by containment of one of the probe's runs or phrases in its
   * normalised text. Normalised containment in each direction is returned as well.
   *
   * Where the phrases are looked for: a selection long enough to carry fingerprints is found by
   * them wherever it shares GUARANTEED_WORDS words with a chunk, so the only chunks the phrases can
   * add are those that share less: the ones holding its first or last few words, next to a chunk
   * the fingerprints found. The phrases are then looked for in the neighbours of the fingerprint
   * matches (two chunk_index either side in the same document, by the ordered index), and in the
   * whole table only when no chunk matched a fingerprint. The full-text index's candidates for a
   * phrase of common words are a large share of the table, each rechecked: ≈ 4 ms at 10 000
   * chunks, ≈ 75 ms at 100 000.
   * (A phrase that recurs in a chunk far from the selection is not an overlap of it; a selection
   * across the end of one document and the start of the next is found in the one holding more of
   * it.) Measured on the bench corpus at 10 000 chunks: a 40-word selection 5.1 → 1.5 ms, one
   * across two chunks 5.3 → 1.4 ms, the same rows for 299 of 300 selections (the other crossed
   * documents).
   *
   * The candidates' ids are gathered into an array first (`ANY(ARRAY(…))`), so the rows are read by
   * primary key: as `IN (…)`, the planner priced the phrase branch it cannot know is skipped, and at
   * 100 000 chunks joined a sequential scan of the table to the handful of ids (110 ms).
   *
   * Cost: the confirmation runs once per candidate, so it must be cheap. Normalising a chunk
   * (regexp_replace over its text) costs ≈ 40 µs; matching its lower-cased text against the run
   * with every space widened to "one or more non-alphanumerics" is the same test (the normalised
   * text holds the run exactly when the lower-cased text holds it that way) at ≈ 5 µs. Only the
   * rows returned are normalised, for the two containment flags. Plan shape: liveness, the filter
   * and the confirmation sit outside `OFFSET 0` subqueries only the indexes can serve; written
   * inline, a table no ANALYZE has seen yet (a fresh load) is scanned through the partial index on
   * live rows, confirming all of it (0.5 s on 10 000 chunks for a common phrase).
   */
  findOverlapping(
    selection: string,
    probe: SelectionProbe,
    filter: VectorFilter | undefined,
    limit: number,
  ): Promise<OverlappingRow[]> {
    const params: unknown[] = [selection, limit];
    const inFilter = filterSql(filter, params);
    const bind = (value: unknown) => `$${params.push(value)}`;
    const byPhrase = probe.phrases
      .map((phrase) => `search_vector @@ phraseto_tsquery('english', ${bind(phrase)})`)
      .join(' OR ');
    const holds = [...probe.runs, ...probe.phrases]
      .map((run) => `lower(c.chunk_text) ~ replace(${normalised(bind(run))}, ' ', '[^[:alnum:]]+')`)
      .join(' OR ');
    const confirmed = `c.deleted_at IS NULL AND ${inFilter} AND (${holds})`;
    // A short selection (no fingerprints) has only its phrases; a longer one, its fingerprint
    // matches, their neighbours, and its phrases in the whole table when nothing matched.
    let runHits = '';
    let candidates = `SELECT * FROM chunks WHERE ${byPhrase} OFFSET 0`;
    if (probe.hashes.length > 0) {
      runHits = `WITH run_hits AS MATERIALIZED (
           SELECT c.chunk_id, c.document_reference, c.chunk_index
             FROM (SELECT * FROM chunks WHERE fingerprints && ${bind(probe.hashes)}::int4[] OFFSET 0) c
            WHERE ${confirmed})
         `;
      candidates = `SELECT * FROM chunks WHERE chunk_id = ANY(ARRAY(
           SELECT chunk_id FROM run_hits
            UNION
           SELECT m.chunk_id FROM run_hits r
             JOIN chunks m ON m.document_reference = r.document_reference
                          AND m.chunk_index BETWEEN r.chunk_index - 2 AND r.chunk_index + 2
            UNION
           SELECT chunk_id FROM chunks WHERE (${byPhrase}) AND NOT EXISTS (SELECT FROM run_hits)))
         OFFSET 0`;
    }
    return this.read(
      `${runHits}SELECT ${COLUMNS},
              strpos(t.normalised, n.selection) > 0 AS contains_selection,
              strpos(n.selection, t.normalised) > 0 AS within_selection
         FROM (${candidates}) c
        CROSS JOIN LATERAL (SELECT ${normalised('c.chunk_text')} AS normalised) t
        CROSS JOIN (SELECT ${normalised('$1')} AS selection) n
        WHERE ${confirmed}
        ORDER BY c.document_reference, c.chunk_index
        LIMIT $2`,
      params,
    );
  }
}

/**
 * The VectorFilter as a SQL predicate on `c`, with the vector stores' semantics: conditions AND
 * together, a list means any of, and a page range never matches a chunk without a page (the
 * coalesce turns SQL's unknown into false). Appends its values to `params`.
 */
export function filterSql(filter: VectorFilter | undefined, params: unknown[]): string {
  const conditions: string[] = [];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const { document_reference, section_title, page_from, page_to, processing_version } = filter ?? {};
  if (document_reference !== undefined) {
    const references = typeof document_reference === 'string' ? [document_reference] : document_reference;
    conditions.push(`c.document_reference = ANY(${bind(references)}::text[])`);
  }
  if (section_title !== undefined) conditions.push(`c.section_title = ${bind(section_title)}`);
  if (page_from !== undefined) conditions.push(`c.page_reference >= ${bind(page_from)}`);
  if (page_to !== undefined) conditions.push(`c.page_reference <= ${bind(page_to)}`);
  if (processing_version !== undefined) conditions.push(`c.processing_version = ${bind(processing_version)}`);
  return conditions.length === 0 ? 'TRUE' : `coalesce(${conditions.join(' AND ')}, false)`;
}
