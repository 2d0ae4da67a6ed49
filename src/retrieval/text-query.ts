/**
 * The text leg of hybrid mode, as `websearch_to_tsquery` input. A chat question is not a search
 * expression: websearch syntax ANDs every word, so "How many steps were there to the lantern
 * gallery?" would need a chunk holding all of them and matches nothing. Plain text therefore
 * becomes OR over its words (stop words are dropped by the `english` configuration, and the
 * cover-density rank rewards chunks holding more of the words close together). A query that uses
 * websearch operators — a "quoted phrase", `OR`, or `-word` — is taken as the user wrote it.
 * Either way at most `maxTerms` words are kept, so one request cannot cost seconds of database
 * time on a GIN scan over dozens of terms.
 */
export function textQuery(query: string, maxTerms: number): string {
  if (usesWebsearchSyntax(query)) {
    return query.split(/\s+/).filter(Boolean).slice(0, maxTerms).join(' ');
  }
  const seen = new Set<string>();
  for (const word of query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    // A lowercase "or" would be read as the operator between the ORs.
    if (word !== 'or') seen.add(word);
    if (seen.size === maxTerms) break;
  }
  return [...seen].join(' OR ');
}

/** A query in websearch syntax is searched as the user wrote it. */
export function usesWebsearchSyntax(query: string): boolean {
  return /"/.test(query) || /(^|\s)OR(\s|$)/.test(query) || /(^|\s)-[\p{L}\p{N}]/u.test(query);
}
