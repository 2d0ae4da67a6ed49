import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { ConfigValidationError, loadAppConfig, loadQdrantConfig, validateAllConfig } from '../config';
import { createApp } from './app.factory';
import { DatabaseUnreachableError } from './database/connect';
import { resolveDatabaseServer } from './database/database-server';
import { loopbackServiceUrl } from './database/embedded-owner';
import { describeDatabase } from './database/postgres-options';
import { EmbeddedPostgresError } from './database/postgres-user';

async function bootstrap(): Promise<void> {
  validateAllConfig();
  const app = loadAppConfig();
  const qdrant = loadQdrantConfig();

  // The embedded server lives outside Nest so that it stops only after the app has closed its pool.
  const { url: databaseUrl, embedded } = await resolveDatabaseServer();

  const nest = await createApp({ databaseUrl }).catch(async (error: unknown) => {
    await embedded?.stop();
    throw error;
  });
  // Closing the server reaps idle keep-alive connections, but a connection busy at that moment
  // stays open after its response (a client's keep-alive, 72 s in Fastify), and the close waits
  // for it: the drain, the log queue and the embedded server would all wait with it, past a
  // container's grace period. Responses sent while shutting down therefore close their connection.
  let stopping = false;
  nest
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (_request, reply) => {
      if (stopping) void reply.header('connection', 'close');
    });
  await nest.listen(app.port, app.host);
  // CLIs started beside the service use its PostgreSQL and reach its vector store through this API.
  const address = nest.getHttpServer().address();
  const listening = typeof address === 'object' && address ? address.port : app.port;
  embedded?.advertiseService(loopbackServiceUrl(app.host, listening));

  const postgres = `${embedded ? 'embedded' : 'remote'} (${describeDatabase(databaseUrl)})`;
  const vectors = qdrant.url
    ? `qdrant (${new URL(qdrant.url).host})`
    : `embedded (${join(app.dataDir, 'vectors')})`;
  new Logger('Bootstrap').log(
    `Backends: postgres=${postgres}; vectors=${vectors}; listening on http://${app.host}:${app.port}`,
  );

  // Graceful shutdown, in dependency order: stop accepting requests and drain them, run the
  // modules' shutdown hooks (pools close), then stop the embedded server.
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    new Logger('Bootstrap').log(`${signal} received: shutting down`);
    try {
      await nest.close();
    } finally {
      await embedded?.stop();
    }
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

bootstrap().catch((error: unknown) => {
  const known =
    error instanceof ConfigValidationError ||
    error instanceof DatabaseUnreachableError ||
    error instanceof EmbeddedPostgresError;
  process.stderr.write(
    `${known ? (error as Error).message : `Start-up failed: ${(error as Error)?.stack ?? String(error)}`}\n`,
  );
  process.exit(1);
});
