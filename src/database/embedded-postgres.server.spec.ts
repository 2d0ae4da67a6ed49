import { tuningFlags } from './embedded-postgres.server';

const GiB = 2 ** 30;

describe('the embedded server’s tuning', () => {
  it.each([
    [0.5 * GiB, '128MB'],
    [2 * GiB, '256MB'],
    [4 * GiB, '512MB'],
    [24 * GiB, '1024MB'],
    [256 * GiB, '1024MB'],
  ])('gives %d bytes of memory shared_buffers=%s, and a 4 GB max_wal_size', (memory, buffers) => {
    expect(tuningFlags(memory)).toEqual(['-c', `shared_buffers=${buffers}`, '-c', 'max_wal_size=4GB']);
  });
});
