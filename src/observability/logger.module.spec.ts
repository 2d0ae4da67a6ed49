import { isBookkeeping, logFormat } from './logger.module';

describe('logFormat', () => {
  it.each([
    [false, true, 'pretty'],
    [false, false, 'json'],
    [false, undefined, 'json'],
    [true, true, 'json'],
    [true, false, 'json'],
  ] as const)('production=%s, TTY=%s → %s', (isProduction, isTTY, expected) => {
    expect(logFormat(isProduction, isTTY)).toBe(expected);
  });
});

describe('isBookkeeping', () => {
  it("recognises Nest's per-module and per-route start-up lines only", () => {
    expect(isBookkeeping([{ context: 'RouterExplorer' }, 'Mapped {/v1/ingest, POST} route'])).toBe(true);
    expect(isBookkeeping([{ context: 'InstanceLoader' }, 'AppModule dependencies initialized'])).toBe(true);
    expect(isBookkeeping([{ context: 'Bootstrap' }, 'Backends: …'])).toBe(false);
    expect(isBookkeeping(['a plain message'])).toBe(false);
  });
});
