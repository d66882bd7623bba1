import { readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * The directories of one cgroup path in every mounted hierarchy (cgroup v1 has one per controller,
 * v2 a single one), deepest first so they can be removed in order.
 */
export function cgroupDirs(relative: string): string[] {
  const hierarchies = readdirSync(CGROUP_ROOT).map((h) => join(CGROUP_ROOT, h));
  const candidates = [CGROUP_ROOT, ...hierarchies].map((h) => join(h, relative));
  const found: string[] = [];
  for (const top of candidates) {
    if (!isDir(top)) continue;
    walk(top, found);
  }
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}

function walk(dir: string, out: string[]): void {
  out.push(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) walk(join(dir, entry.name), out);
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Every pid in the cgroup subtree: the containers' processes, which outlive a SIGKILLed shim. */
export function cgroupPids(relative: string): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(relative)) {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
        if (line.trim() !== '') pids.add(Number(line));
      }
    } catch {
      // Removed while reading.
    }
  }
  return [...pids];
}

/** Removes the (empty) cgroup subtree; returns the directories that could not be removed. */
export function removeCgroups(relative: string): string[] {
  const left: string[] = [];
  for (const dir of cgroupDirs(relative)) {
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  }
  return left;
}
