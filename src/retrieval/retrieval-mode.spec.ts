import { RETRIEVAL_MODES } from '../logs/log.entity';
import { handlersByMode, type RetrievalModeHandler } from './retrieval-mode';

const handler = (mode: string) => ({ mode, run: jest.fn() }) as unknown as RetrievalModeHandler;

describe('handlersByMode', () => {
  it('maps every mode to its handler', () => {
    const byMode = handlersByMode(RETRIEVAL_MODES, RETRIEVAL_MODES.map(handler));
    expect([...byMode.keys()]).toEqual([...RETRIEVAL_MODES]);
  });

  it('refuses to start when a mode has no handler, naming it', () => {
    expect(() => handlersByMode(RETRIEVAL_MODES, [handler('vector'), handler('hybrid')])).toThrow(
      /missing selected_text/,
    );
  });

  it('refuses two handlers for one mode', () => {
    expect(() =>
      handlersByMode(RETRIEVAL_MODES, [...RETRIEVAL_MODES.map(handler), handler('vector')]),
    ).toThrow(/exactly one handler/);
  });
});
