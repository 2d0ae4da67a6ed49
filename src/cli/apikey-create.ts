import { ROLES, type Role } from '../auth/api-key.entity';
import { ApiKeysService } from '../auth/api-keys.service';
import { runWithAppContext } from './app-context';
import { parseCliArgs } from './run-cli';

/**
 * `npm run apikey:create -- --name chat-frontend --role reader [--user-id <uuid>]`: prints the new
 * key once on stdout (everything else goes to the log), so it can be piped into a secret store.
 */
const USAGE = `usage: npm run apikey:create -- --name <name> --role <${ROLES.join('|')}> [--user-id <uuid>]`;
const { values } = parseCliArgs(USAGE, {
  name: { type: 'string' },
  role: { type: 'string' },
  'user-id': { type: 'string' },
});
const name = values.name;
if (!name || !ROLES.includes(values.role as Role)) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

void runWithAppContext(
  async (app) => {
    const created = await app
      .get(ApiKeysService)
      .create(name, values.role as Role, values['user-id'] ?? null);
    process.stderr.write(
      `Created ${created.role} key "${created.name}" (${created.key_id}); it is shown only now:\n`,
    );
    process.stdout.write(`${created.key}\n`);
    return 0;
    // Only the database: it also runs while the service owns the embedded one.
  },
  { vectors: false },
);
