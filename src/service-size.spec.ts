import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * "Services decide, with about five dependencies at most: more means a missing unit." Every
 * injectable in a `*.service.ts` file is held to six constructor dependencies (configuration
 * namespaces included), read from the metadata Nest itself injects by.
 */
const MAX_DEPENDENCIES = 6;

const serviceFiles = readdirSync(__dirname, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.service.ts'))
  .sort();

describe('service size', () => {
  it('finds the services', () => {
    expect(serviceFiles.length).toBeGreaterThan(10);
  });

  it.each(serviceFiles)('%s: every service has at most six constructor dependencies', async (file) => {
    const exported = Object.values((await import(join(__dirname, file))) as Record<string, unknown>);
    const sizes = exported
      .filter((value): value is abstract new (...args: never[]) => unknown => typeof value === 'function')
      .map((cls) => ({
        name: cls.name,
        dependencies: (Reflect.getMetadata('design:paramtypes', cls) as unknown[] | undefined)?.length ?? 0,
      }));
    expect(sizes.filter((s) => s.dependencies > MAX_DEPENDENCIES)).toEqual([]);
  });
});
