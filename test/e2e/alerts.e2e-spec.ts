import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { startTestApp, type TestApp } from '../support/app';

const DOCS = join(__dirname, '..', '..', 'docs');

interface Rule {
  alert: string;
  expr: string;
  annotations: { summary: string; runbook_url: string };
}

/** GitHub's heading anchors: lower-case, punctuation dropped, spaces to hyphens. */
const anchors = (markdown: string) =>
  new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, '')
        .replace(/ /g, '-'),
    ),
  );

describe('docs/alerts.yml', () => {
  let t: TestApp;
  const rules = (
    load(readFileSync(join(DOCS, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
  ).groups.flatMap((g) => g.rules);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('covers latency, errors, outbox age, sync failures, drift, pool saturation and probes', () => {
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const metric of [
      'ragstore_retrieval_stage_duration_seconds_bucket',
      'ragstore_http_request_duration_seconds_count{status_code=~"5.."}',
      'ragstore_outbox_oldest_pending_age_seconds',
      'ragstore_outbox_sync_failures_total',
      'ragstore_consistency_drift_items',
      'ragstore_db_pool_waiting_clients',
      'status_code="503"',
    ])
      expect(exprs).toContain(metric);
  });

  it('references only metrics the service exports, as a live /metrics scrape shows', async () => {
    const scrape = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const families = new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const referenced = new Set(
      rules.flatMap((r) => [...r.expr.matchAll(/\bragstore_[a-z_]+/g)].map((m) => m[0])),
    );
    const unknown = [...referenced].filter(
      (name) => !families.has(name) && !families.has(name.replace(/_(bucket|count|sum)$/, '')),
    );
    expect(referenced.size).toBeGreaterThanOrEqual(7);
    expect(unknown).toEqual([]);
  });

  it('links every rule to a runbook section that exists in docs/operations.md', () => {
    const sections = anchors(readFileSync(join(DOCS, 'operations.md'), 'utf8'));
    for (const rule of rules) {
      const [file, anchor] = rule.annotations.runbook_url.split('#');
      expect(`${rule.alert}: ${file}`).toBe(`${rule.alert}: docs/operations.md`);
      expect(sections.has(anchor) ? anchor : `${rule.alert}: missing #${anchor}`).toBe(anchor);
    }
  });
});
