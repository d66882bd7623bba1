import { spawn } from 'node:child_process';
import { LabOperationError } from './lab-errors.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The PATH lab processes get: the system tools, never the caller's node_modules/.bin. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Runs a command to completion and reports its exit code; a command that outlives its deadline is
 * SIGKILLed (by its own pid) so no lab step can hang forever.
 */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? { PATH: SYSTEM_PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n${cmd} timed out after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Like runCommand, but a non-zero exit is an error naming the command and its stderr. */
export async function mustRun(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const res = await runCommand(cmd, args, opts);
  if (res.code !== 0) {
    throw new LabOperationError(
      `${cmd} ${args.join(' ')} exited ${res.code}: ${res.stderr.trim() || res.stdout.trim()}`,
      'check the host (root, iproute2, docker.io) and run `npm run lab -- down` to clean up',
    );
  }
  return res.stdout;
}
