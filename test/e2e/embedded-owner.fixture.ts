// Child process for the crash-loop test: what `npm start` does to the embedded server (start it
// under DATA_DIR/postgres and own it), without the rest of the app, so twenty kill-and-restart
// rounds take seconds, not minutes. The test's last round starts the real service.
import { join } from 'node:path';
import { EmbeddedPostgresServer } from '../../src/database/embedded-postgres.server';

EmbeddedPostgresServer.start(join(process.argv[2], 'postgres')).then(
  () => setInterval(() => undefined, 60_000),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
