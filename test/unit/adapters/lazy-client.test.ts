import { describe, expect, it } from 'vitest';
import { lazyClient } from '../../../src/adapters/aws/lazy-client.js';

describe('lazyClient', () => {
  it('loads the package and makes the client once, on first use', async () => {
    let loads = 0;
    const client = lazyClient(async () => ({ n: ++loads }), (sdk) => ({ made: sdk.n }));
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([client(), client()]);
    expect(a).toBe(b);
    expect(a.client).toEqual({ made: 1 });
    expect(loads).toBe(1);
  });

  it('a load that failed is tried again on the next use, not remembered for the life of watch', async () => {
    let loads = 0;
    const client = lazyClient(
      async () => {
        loads++;
        if (loads === 1) throw new Error('EMFILE: too many open files');
        return { ok: true };
      },
      (sdk) => sdk,
    );
    await expect(client()).rejects.toThrow(/EMFILE/);
    await expect(client()).resolves.toMatchObject({ client: { ok: true } });
    expect(loads).toBe(2);
  });
});
