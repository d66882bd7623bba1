import { readFileSync } from 'node:fs';
import { LabOperationError } from './lab-errors.js';
import { runCommand } from './run-command.js';

/** Mount points at or below dir in this mount namespace, deepest first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    // mountinfo escapes blanks as octal (\040); the lab never uses such paths, but compare decoded.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Unmounts everything under dir, deepest first. Runs only after the engine's processes are dead, so
 * a lazy unmount is safe; a bounded number of passes handles mounts stacked on the same point.
 */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (let pass = 0; pass < 5; pass++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const point of points) {
      const res = await runCommand('umount', [point]);
      if (res.code !== 0) await runCommand('umount', ['-l', point]);
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) {
    throw new LabOperationError(`mounts left under ${dir}: ${left.join(', ')}`, `unmount them by hand (umount -l <path>), then run \`npm run lab -- down\``);
  }
}
