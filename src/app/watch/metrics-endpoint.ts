import type { ListenAddress } from '../../config/config.js';
import type { Logger } from '../../log/logger.js';
import type { Services } from '../shared/compose.js';

/**
 * After a drain the instance is about to be terminated and its numbers (hook duration, result) go
 * with it: if anything scrapes this endpoint, watch waits for one more scrape before it closes it,
 * at most this long (a scrape interval of 15 s or less is always met; systemd's stop timeout is far
 * above). Nobody scraping: no wait.
 */
export const LAST_SCRAPE_WAIT_MS = 20_000;

export interface MetricsEndpoint {
  close(afterDrain: boolean): Promise<void>;
}

/**
 * The metrics endpoint of watch, or none when SWARMNODE_METRICS_ADDR is off. A port that cannot be
 * bound is logged and watch goes on without metrics: losing them must not cost the node its drains.
 */
export async function serveMetricsUntil(services: Pick<Services, 'serveMetrics'>, address: ListenAddress | undefined, log: Logger): Promise<MetricsEndpoint> {
  if (address === undefined) {
    log.info({}, 'metrics endpoint off (SWARMNODE_METRICS_ADDR=off)');
    return { close: async () => undefined };
  }
  try {
    const server = await services.serveMetrics(address, log);
    log.info({ url: server.url }, 'serving Prometheus metrics');
    return {
      async close(afterDrain) {
        if (afterDrain && server.scrapes > 0) {
          const scraped = await server.nextScrape(LAST_SCRAPE_WAIT_MS);
          log.info({ scraped, waitedAtMostMs: LAST_SCRAPE_WAIT_MS }, scraped ? 'metrics: the drain\'s numbers were scraped' : 'metrics: no scrape came after the drain');
        }
        await server.close();
      },
    };
  } catch (error) {
    log.error({ err: error, address }, 'metrics endpoint could not listen: watch runs without metrics; free the port or change SWARMNODE_METRICS_ADDR');
    return { close: async () => undefined };
  }
}
