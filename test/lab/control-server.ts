import { createServer, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { SwarmnodeError } from '../../src/errors/swarmnode-error.js';
import type { ControlReply } from './control-protocol.js';

export type ControlHandler = (method: string, args: Record<string, unknown>) => Promise<unknown>;

/** Serves the daemon's control API on a unix socket only root can reach (it lives in the lab dir). */
export async function serveControl(socketPath: string, handle: ControlHandler): Promise<Server> {
  await rm(socketPath, { force: true });
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const method = (req.url ?? '/').slice(1);
      const reply = (r: ControlReply): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r));
      };
      Promise.resolve()
        .then(() => handle(method, body === '' ? {} : (JSON.parse(body) as Record<string, unknown>)))
        .then((result) => reply({ ok: true, result: result ?? null }))
        .catch((err: unknown) =>
          reply(
            err instanceof SwarmnodeError
              ? { ok: false, message: err.message, action: err.action, exitCode: err.exitCode }
              : { ok: false, message: err instanceof Error ? err.message : String(err), action: 'see the daemon log in the lab dir', exitCode: 1 },
          ),
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return server;
}
