import { RebuildService } from '../sync/rebuild.service';
import { runWithAppContext } from './app-context';
import { parseCliArgs } from './run-cli';

/**
 * `npm run vectors:rebuild [-- --embedding-model <name>] [--keep-old]`: rebuilds the vector index
 * from Postgres into a new collection and switches the alias to it. Exit code 0 after the switch;
 * 1 otherwise, with what serves the alias now (the previous collection unless the message says otherwise).
 */
const { values } = parseCliArgs('usage: npm run vectors:rebuild [-- --embedding-model <name>] [--keep-old]', {
  'embedding-model': { type: 'string' },
  'keep-old': { type: 'boolean', default: false },
});
// Replacing a collection whose size no longer matches VECTOR_SIZE is what a rebuild is for, so
// start-up must not refuse it (the server itself keeps the default, fail).
process.env.QDRANT_ON_MISMATCH ??= 'warn';

void runWithAppContext(
  async (app) => {
    const print = (line: string) => process.stdout.write(`${line}\n`);
    try {
      const report = await app.get(RebuildService).rebuild({
        embeddingModel: values['embedding-model'],
        keepOld: values['keep-old'],
        onProgress: print,
      });
      print(
        `Rebuilt ${report.alias}: now ${report.collection} (was ${report.previous ?? 'missing'}), ` +
          `${report.points} points of size ${report.vector_size}, model ${report.embedding_model ?? 'none'}, ` +
          `${report.requeued} chunk(s) changed meanwhile re-queued${report.drained ? '' : ' (still syncing)'}, ` +
          `dropped [${report.dropped.join(', ')}], ${report.duration_ms} ms`,
      );
      return 0;
    } catch (error) {
      // The message says what serves the alias now (read back from the store after a failed switch).
      process.stderr.write(`Rebuild failed: ${(error as Error).message}\n`);
      return 1;
    }
  },
  {
    vectors: {
      instead:
        'stop the service (Ctrl-C, or kill -TERM on its pid) and run the rebuild again; to fix drift while it runs, ' +
        'use POST /v1/admin/consistency/repair (npm run consistency:check -- --repair)',
    },
  },
);
