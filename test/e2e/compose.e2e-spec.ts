import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { validateAllConfig } from '../../config';

const ROOT = join(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

/** `${NAME:-default}` as compose interpolates it with NAME unset. */
const interpolate = (value: string | number) => String(value).replace(/\$\{\w+:-([^}]*)\}/g, '$1');

// No Docker engine runs here, so `docker compose config` cannot; these are the structural checks it
// would make for us, plus what it cannot know: that the app's environment passes our own validation.
describe('docker-compose.yml', () => {
  const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };

  it('runs the app, PostgreSQL 17 and Qdrant v1.18.3, on pinned images, each with a health check', () => {
    const { app, postgres, qdrant } = compose.services;
    expect(postgres.image).toMatch(/^postgres:17\.\d+(-alpine)?$/);
    expect(qdrant.image).toBe('qdrant/qdrant:v1.18.3');
    expect(app.build).toBeDefined();
    for (const [name, service] of Object.entries(compose.services)) {
      expect(`${name}: ${service.healthcheck?.test?.[0]}`).toMatch(/: CMD(-SHELL)?$/);
    }
    expect(app.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      qdrant: { condition: 'service_healthy' },
    });
  });

  it('keeps data in named volumes that are declared', () => {
    const mounted = Object.values(compose.services).flatMap((s) =>
      (s.volumes ?? []).map((v) => v.split(':')[0]),
    );
    expect(mounted.sort()).toEqual(['postgres-data', 'qdrant-data']);
    expect(Object.keys(compose.volumes).sort()).toEqual(mounted);
  });

  it("gives the app an environment the service's own configuration accepts (production mode)", () => {
    const env = Object.fromEntries(
      Object.entries(compose.services.app.environment ?? {}).map(([k, v]) => [k, interpolate(v)]),
    );
    expect(env.NODE_ENV).toBe('production');
    expect(() => validateAllConfig(env)).not.toThrow();
  });
});
