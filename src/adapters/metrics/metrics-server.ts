import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../../config/config.js';
import type { Logger } from '../../log/logger.js';
import type { MetricsExposition, MetricsServer } from '../../ports/metrics.js';

/**
 * Serves `GET /metrics` (and nothing else) with node:http. A scrape that fails to collect answers
 * 500 and is logged; the process goes on.
 */
export async function serveMetrics(address: ListenAddress, expose: () => Promise<MetricsExposition>, log: Logger): Promise<MetricsServer> {
  let waiters: (() => void)[] = [];
  let scrapes = 0;
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('swarmnode serves GET /metrics only\n');
      return;
    }
    expose().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType }).end(body);
        scrapes++;
        for (const wake of waiters) wake();
        waiters = [];
      },
      (error: unknown) => {
        log.warn({ err: error }, 'metrics: collecting failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  });
  // Keep-alive scrapers must not hold the process at stop.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host === '' ? undefined : address.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}/metrics`,
    get scrapes() {
      return scrapes;
    },
    nextScrape(boundMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), boundMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
