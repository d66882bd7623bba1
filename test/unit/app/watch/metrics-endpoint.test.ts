import { describe, expect, it } from 'vitest';
import { LAST_SCRAPE_WAIT_MS, serveMetricsUntil } from '../../../../src/app/watch/metrics-endpoint.js';
import type { MetricsServer } from '../../../../src/ports/metrics.js';
import { silentLog } from '../watch-fakes.js';

/** A server stub: how often it was scraped, and what close and the last-scrape wait were asked. */
function stub(scrapes: number): MetricsServer & { waited: number[]; closed: boolean } {
  return {
    url: 'http://127.0.0.1:9470/metrics',
    scrapes,
    waited: [],
    closed: false,
    async nextScrape(boundMs) {
      this.waited.push(boundMs);
      return true;
    },
    async close() {
      this.closed = true;
    },
  };
}

describe('watch\'s metrics endpoint', () => {
  it('after a drain, waits (bounded) for one more scrape when something scrapes it; otherwise closes at once', async () => {
    const scraped = stub(3);
    await (await serveMetricsUntil({ serveMetrics: async () => scraped }, { host: '', port: 9470 }, silentLog)).close(true);
    expect(scraped).toMatchObject({ waited: [LAST_SCRAPE_WAIT_MS], closed: true });

    const unscraped = stub(0);
    await (await serveMetricsUntil({ serveMetrics: async () => unscraped }, { host: '', port: 9470 }, silentLog)).close(true);
    expect(unscraped).toMatchObject({ waited: [], closed: true });

    const noDrain = stub(3);
    await (await serveMetricsUntil({ serveMetrics: async () => noDrain }, { host: '', port: 9470 }, silentLog)).close(false);
    expect(noDrain.waited).toEqual([]);
  });

  it('off, or a port that cannot be bound: watch goes on without metrics', async () => {
    let asked = false;
    const off = await serveMetricsUntil({ serveMetrics: async () => ((asked = true), stub(0)) }, undefined, silentLog);
    await off.close(true);
    expect(asked).toBe(false);
    const busy = await serveMetricsUntil({ serveMetrics: () => Promise.reject(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' })) }, { host: '', port: 9470 }, silentLog);
    await expect(busy.close(true)).resolves.toBeUndefined();
  });
});
