import { answers, selectionOf, type EvalSet } from './eval-set';
import { firstRelevantRank, type Outcome } from './metrics';

export const EVAL_MODES = ['vector', 'hybrid', 'selected_text'] as const;
export type EvalMode = (typeof EVAL_MODES)[number];

export interface EvalOptions {
  baseUrl: string;
  apiKey?: string;
  modes: readonly EvalMode[];
  topK: number;
}

interface RetrievedHit {
  document_reference: string | null;
  section_title: string | null;
  chunk_text: string;
}

const headers = (apiKey?: string) => ({
  'content-type': 'application/json',
  ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
});

async function send(url: string, method: string, body: unknown, apiKey?: string): Promise<unknown> {
  const response = await fetch(url, { method, headers: headers(apiKey), body: JSON.stringify(body) });
  const payload = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!response.ok) {
    throw new Error(
      `${method} ${new URL(url).pathname} answered ${response.status} ${payload.code ?? ''}: ${payload.message ?? ''}`,
    );
  }
  return payload;
}

/**
 * Loads every chapter through `PUT /v1/documents/{file}` (the service chunks and embeds it with
 * its configured provider), waiting until its vectors are searchable. Returns the chunk count.
 */
export async function ingestBook(set: EvalSet, baseUrl: string, apiKey?: string): Promise<number> {
  let chunks = 0;
  for (const file of set.book) {
    const result = (await send(
      `${baseUrl}/v1/documents/${encodeURIComponent(file.document_reference)}`,
      'PUT',
      { format: 'markdown', content: file.content, wait_ms: 30_000 },
      apiKey,
    )) as { chunks?: unknown[] };
    chunks += result.chunks?.length ?? 0;
  }
  return chunks;
}

/**
 * Asks every question in every mode over HTTP and records the rank of the first result that
 * answers it. `selected_text` stands for a reader who selected the answering chapter and asks
 * about it: only that chapter's chunks are candidates, so it measures ranking within a chapter.
 */
export async function evaluate(set: EvalSet, options: EvalOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const mode of options.modes) {
    for (const question of set.questions) {
      const body = {
        query: question.question,
        mode,
        top_k: options.topK,
        ...(mode === 'selected_text'
          ? { selected_text: selectionOf(set.book, question.document_reference) }
          : {}),
      };
      const { results } = (await send(`${options.baseUrl}/v1/retrieve`, 'POST', body, options.apiKey)) as {
        results: RetrievedHit[];
      };
      outcomes.push({
        mode,
        kind: question.kind,
        question_id: question.id,
        rank: firstRelevantRank(results.map((hit) => answers(question, hit))),
      });
    }
  }
  return outcomes;
}
