import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

let encoder: Tiktoken | undefined;

/**
 * Tokens in `text` by `cl100k_base` (OpenAI's embedding models' encoding), from the ranks that
 * js-tiktoken ships in the package: nothing is downloaded. Other models' tokenizers differ by a
 * few per cent, well inside the slack a chunk target has. The encoder is built on first use.
 */
export function countTokens(text: string): number {
  encoder ??= new Tiktoken(cl100k);
  return encoder.encode(text, [], []).length;
}

export type TokenCounter = (text: string) => number;
