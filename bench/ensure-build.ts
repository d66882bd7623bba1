import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LabOperationError } from '../test/lab/lab-errors.js';

/** What the binary is built from: a change in any of these makes dist/swarmnode stale. */
const SOURCES = ['src', 'scripts', 'package-lock.json'];

function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtimeMs(join(path, entry))), stat.mtimeMs);
}

/** Why the binary must be (re)built, or undefined when it is newer than everything it is built from. */
export function staleReason(root: string): string | undefined {
  const binary = join(root, 'dist/swarmnode');
  if (!existsSync(binary)) return 'dist/swarmnode is missing';
  const built = statSync(binary).mtimeMs;
  const newer = SOURCES.filter((s) => existsSync(join(root, s)) && newestMtimeMs(join(root, s)) > built);
  return newer.length === 0 ? undefined : `dist/swarmnode is older than ${newer.join(', ')}`;
}

/**
 * The lab runs the built binary, as an AMI would: a demo or benchmark of stale code would show
 * the wrong thing, so it builds first when needed (`npm run build`, output shown).
 */
export async function ensureBuilt(root: string, say: (line: string) => void): Promise<void> {
  const reason = staleReason(root);
  if (reason === undefined) return;
  say(`${reason}: running \`npm run build\` first`);
  const code = await new Promise<number>((resolve) => {
    const build = spawn('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    build.once('error', () => resolve(127));
    build.once('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new LabOperationError(`npm run build exited ${code}`, 'fix the build error above, then run this again');
}
