import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { QuestionKind } from './metrics';

/** The committed evaluation set: an original book and questions labelled with their answers. */
export const EVAL_DIR = resolve(__dirname);
export const BOOK_DIR = join(EVAL_DIR, 'book');
export const QUESTIONS_FILE = join(EVAL_DIR, 'questions.json');

export interface LabelledQuestion {
  id: string;
  kind: QuestionKind;
  question: string;
  /** The chapter file (its path under the book directory, as `npm run ingest` names it). */
  document_reference: string;
  /** The heading path of the answering section, as the chunker writes `section_title`. */
  section_title: string;
  /** A verbatim passage of the answering chunk (compared with case, punctuation and spacing folded). */
  passage: string;
}

export interface BookFile {
  document_reference: string;
  content: string;
}

export interface EvalSet {
  book: BookFile[];
  questions: LabelledQuestion[];
}

export function loadBook(dir: string): BookFile[] {
  return readdirSync(dir)
    .filter((name) => /\.(md|markdown)$/.test(name))
    .sort()
    .map((name) => ({ document_reference: name, content: readFileSync(join(dir, name), 'utf8') }));
}

export function loadEvalSet(bookDir = BOOK_DIR, questionsFile = QUESTIONS_FILE): EvalSet {
  const { questions } = JSON.parse(readFileSync(questionsFile, 'utf8')) as { questions: LabelledQuestion[] };
  return { book: loadBook(bookDir), questions };
}

const folded = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** Whether a retrieved chunk answers the question: the labelled document and section, holding the passage. */
export function answers(
  label: Pick<LabelledQuestion, 'document_reference' | 'section_title' | 'passage'>,
  hit: { document_reference: string | null; section_title: string | null; chunk_text: string },
): boolean {
  return (
    hit.document_reference === label.document_reference &&
    hit.section_title === label.section_title &&
    folded(hit.chunk_text).includes(folded(label.passage))
  );
}

/** Prose words of a Markdown file: front matter and heading markers aside. */
export function wordCount(markdown: string): number {
  const body = markdown.replace(/^---\n[\s\S]*?\n---\n/, '').replace(/^#+ /gm, '');
  return body.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

/** The chapter as a reader would select it: its text without front matter. */
export function selectionOf(book: readonly BookFile[], documentReference: string): string {
  const file = book.find((f) => f.document_reference === documentReference);
  if (!file) throw new Error(`No chapter ${documentReference} in the book`);
  return file.content.replace(/^---\n[\s\S]*?\n---\n/, '').trim();
}
