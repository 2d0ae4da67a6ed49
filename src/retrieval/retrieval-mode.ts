import type { RetrievalMode } from '../logs/log.entity';
import type { VectorFilter } from '../vectors/vector-store';
import type { RetrieveRequestDto } from './dto/retrieve-request.dto';
import type { ModeOutcome } from './retrieval.types';
import type { StageTimer } from './stage-timer';

/**
 * One retrieval mode. Each is registered in RETRIEVAL_MODE_HANDLERS (retrieval.module.ts); the
 * service refuses to start unless every mode of RETRIEVAL_MODES has exactly one handler, so a new
 * mode cannot be half-added (the logs table's CHECK is built from the same list).
 */
export abstract class RetrievalModeHandler {
  abstract readonly mode: RetrievalMode;
  abstract run(
    request: RetrieveRequestDto,
    filter: VectorFilter | undefined,
    timer: StageTimer,
  ): Promise<ModeOutcome>;
}

export const RETRIEVAL_MODE_HANDLERS = Symbol('RETRIEVAL_MODE_HANDLERS');

/** The handlers by mode; throws unless each mode has exactly one. */
export function handlersByMode(
  modes: readonly RetrievalMode[],
  handlers: readonly RetrievalModeHandler[],
): Map<RetrievalMode, RetrievalModeHandler> {
  const byMode = new Map(handlers.map((h) => [h.mode, h]));
  const missing = modes.filter((mode) => !byMode.has(mode));
  if (missing.length > 0 || byMode.size !== handlers.length) {
    throw new Error(
      `Every retrieval mode needs exactly one handler: missing ${missing.join(', ') || 'none'}, ` +
        `registered ${handlers.map((h) => h.mode).join(', ')}`,
    );
  }
  return byMode;
}
