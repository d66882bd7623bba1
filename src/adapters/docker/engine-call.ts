import { performance } from 'node:perf_hooks';
import Dockerode from 'dockerode';
import { DependencyUnavailableError } from '../../errors/dependency-unavailable-error.js';
import type { CallMetrics } from '../../ports/metrics.js';

/**
 * A bound on every engine call, so a hung engine cannot hold boot past its deadline. Above the
 * ~20 s the engine itself takes before answering that a join goes on in the background.
 */
const ENGINE_CALL_TIMEOUT_MS = 60_000;

/** The local engine's client; DOCKER_HOST picks the socket, as for the docker CLI. */
export function engineClient(): Dockerode {
  return new Dockerode({ timeout: ENGINE_CALL_TIMEOUT_MS });
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EACCES']);
const ENGINE_ACTION = 'start the Docker engine (`systemctl start docker`); DOCKER_HOST overrides its socket';

/** The engine's own error text (docker-modem puts the JSON body's message in `json`). */
function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } | string }).json;
  if (json && typeof json === 'object' && json.message) return json.message;
  return error instanceof Error ? error.message : String(error);
}

function unreachable(error: unknown): boolean {
  return UNREACHABLE.has((error as { code?: string }).code ?? '');
}

/**
 * One engine call, counted when `metrics` is given. A refused socket is a missing dependency (exit 69), not a swarm problem. A
 * refused request keeps its error (and its `statusCode`), with the engine's own words as the
 * message, so that callers (join retries, status's no-leader check, restore) never depend on
 * docker-modem's error shape.
 */
export async function engineCall<T>(what: string, send: () => Promise<T>, metrics?: Pick<CallMetrics, 'engineCall'>): Promise<T> {
  const started = performance.now();
  const count = (outcome: 'ok' | 'unreachable' | 'error'): void => metrics?.engineCall(what, outcome, (performance.now() - started) / 1000);
  try {
    const result = await send();
    count('ok');
    return result;
  } catch (error) {
    count(unreachable(error) ? 'unreachable' : 'error');
    if (unreachable(error)) {
      throw new DependencyUnavailableError('Docker engine', `Docker engine unreachable (${what}): ${engineMessage(error)}`, ENGINE_ACTION, { cause: error });
    }
    if (error instanceof Error) error.message = engineMessage(error);
    throw error;
  }
}

/** A raw request, for the endpoints dockerode has no method for. */
export function engineDial<T>(docker: Dockerode, path: string, method: 'GET' | 'POST', body?: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path, method, options: body ?? {}, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error', 503: 'node is not part of a swarm' } },
      (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as T)),
    );
  });
}
