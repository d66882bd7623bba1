import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabOperationError, LabUnavailableError } from './lab-errors.js';

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

/**
 * The cgroup v2 hierarchy, if one is mounted: /sys/fs/cgroup itself (unified mode) or
 * /sys/fs/cgroup/unified (hybrid mode, next to the v1 controllers). Its freezer (cgroup.freeze)
 * needs no controller, so it works in both modes; runc places containers there too.
 */
export function cgroupV2Root(): string | undefined {
  for (const root of [CGROUP_ROOT, join(CGROUP_ROOT, 'unified')]) {
    if (isFile(join(root, 'cgroup.controllers'))) return root;
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * argv that runs `argv` inside the v2 cgroup `relative` (created if needed): a shell writes its own
 * pid to cgroup.procs, then execs, so the process and all it forks belong to the cgroup from their
 * first instruction. The shell exports PWD, which the program must not inherit (systemd sets no
 * such variable): `env -u PWD` drops it in the same exec chain. Without a v2 hierarchy, `argv` runs
 * where it is.
 */
export function inCgroup(relative: string, argv: readonly string[]): string[] {
  const root = cgroupV2Root();
  if (root === undefined) return [...argv];
  const dir = join(root, relative);
  mkdirSync(dir, { recursive: true });
  return ['sh', '-c', 'echo $$ > "$0" && exec env -u PWD "$@"', join(dir, 'cgroup.procs'), ...argv];
}

/**
 * Freezes (or thaws) every process in the v2 cgroup subtree `relative`, and waits (bounded) until
 * the kernel reports it done in cgroup.events.
 */
export async function setFrozen(relative: string, frozen: boolean, timeoutMs = 10_000): Promise<void> {
  const root = cgroupV2Root();
  if (root === undefined) {
    throw new LabUnavailableError('hibernation needs the cgroup v2 freezer and no cgroup2 hierarchy is mounted', 'use a host with cgroup v2 (unified or hybrid mode)');
  }
  const dir = join(root, relative);
  writeFileSync(join(dir, 'cgroup.freeze'), frozen ? '1' : '0');
  const deadline = Date.now() + timeoutMs;
  while (isFrozen(relative) !== frozen) {
    if (Date.now() > deadline) throw new LabOperationError(`cgroup ${dir} did not ${frozen ? 'freeze' : 'thaw'} within ${timeoutMs} ms`, `see ${join(dir, 'cgroup.events')}`);
    await sleep(20);
  }
}

/** Whether the kernel reports the v2 cgroup `relative` frozen (cgroup.events `frozen 1`). */
export function isFrozen(relative: string): boolean {
  const root = cgroupV2Root();
  if (root === undefined) return false;
  try {
    return /^frozen 1$/m.test(readFileSync(join(root, relative, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/** Thaws every frozen cgroup of the subtree, so its processes can be killed and it removed. */
export function thawAll(relative: string): void {
  const root = cgroupV2Root();
  if (root === undefined) return;
  for (const dir of cgroupDirs(relative).filter((d) => d.startsWith(`${root}/`))) {
    try {
      if (readFileSync(join(dir, 'cgroup.freeze'), 'utf8').trim() === '1') writeFileSync(join(dir, 'cgroup.freeze'), '0');
    } catch {
      // Gone meanwhile, or not a v2 cgroup.
    }
  }
}
