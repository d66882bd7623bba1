import { request } from 'node:http';
import { LabOperationError, LabUnavailableError, LabUsageError } from './lab-errors.js';

/** Reply of the lab daemon's control API: a result, or an error the CLI prints as one line. */
export type ControlReply = { ok: true; result: unknown } | { ok: false; message: string; action: string; exitCode: number };

const ERRORS = { 64: LabUsageError, 69: LabUnavailableError } as const;

/** Calls the daemon over its unix socket (POST /<method> with a JSON body). */
export function callControl(socketPath: string, method: string, args: object = {}, timeoutMs = 300_000): Promise<unknown> {
  const body = JSON.stringify(args);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: `/${method}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            const reply = JSON.parse(text) as ControlReply;
            if (reply.ok) return resolve(reply.result);
            const ErrorClass = ERRORS[reply.exitCode as keyof typeof ERRORS] ?? LabOperationError;
            reject(new ErrorClass(reply.message, reply.action));
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`lab daemon did not answer '${method}' within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
