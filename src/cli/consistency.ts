import { ConsistencyRepairService, type RepairReport } from '../sync/consistency-repair.service';
import { ConsistencyService, DRIFT_KINDS, type ConsistencyReport } from '../sync/consistency.service';
import { runWithAppContext } from './app-context';
import { parseCliArgs } from './run-cli';
import { adminRequest, type RunningService } from './service-client';

/**
 * `npm run consistency:check [-- --repair] [--json]`: compares Postgres with the vector store;
 * with --repair, fixes every drift from Postgres and checks again. Exit code 0 only when the
 * final state is consistent.
 */
const { values: args } = parseCliArgs('usage: npm run consistency:check [-- --repair] [--json]', {
  repair: { type: 'boolean' },
  json: { type: 'boolean' },
});

const print = (title: string, report: ConsistencyReport) => {
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ [title]: report })}\n`);
    return;
  }
  process.stdout.write(
    `\n${title}: postgres live=${report.postgres.live} deleted=${report.postgres.deleted}; ` +
      `vector store points=${report.vector_store.points}; ${report.duration_ms} ms\n`,
  );
  for (const kind of DRIFT_KINDS) {
    const { count, sample_ids } = report.drift[kind];
    process.stdout.write(
      `  ${kind.padEnd(26)} ${String(count).padStart(7)}  ${sample_ids.slice(0, 3).join(' ')}\n`,
    );
  }
};

/** The same check and repair through the admin API of the service that owns the embedded vector store. */
async function viaService(service: RunningService): Promise<number> {
  if (args.repair) {
    const repair = await adminRequest<RepairReport>(
      service,
      'POST',
      '/v1/admin/consistency/repair?wait_ms=60000',
    );
    print('before repair', repair.before);
  }
  const report = await adminRequest<ConsistencyReport>(service, 'GET', '/v1/admin/consistency');
  print(args.repair ? 'after repair' : 'check', report);
  return report.consistent ? 0 : 2;
}

void runWithAppContext(
  async (app) => {
    const consistency = app.get(ConsistencyService);
    if (!args.repair) {
      const report = await consistency.check();
      print('check', report);
      return report.consistent ? 0 : 2;
    }
    const repair = await app.get(ConsistencyRepairService).repair(60_000);
    print('before repair', repair.before);
    const after = await consistency.check();
    print('after repair', after);
    return after.consistent ? 0 : 2;
  },
  { vectors: { viaService, instead: 'GET /v1/admin/consistency' } },
);
