import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessInfo {
  pid: number;
  cmdline: string;
  /** 'net:[inode]' of the process's network namespace. */
  netns: string;
}

/** A snapshot of every process on the host; processes that vanish while being read are skipped. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      out.push({ pid, cmdline, netns: readlinkSync(`/proc/${pid}/ns/net`) });
    } catch {
      // The process exited between readdir and read: nothing to account for.
    }
  }
  return out;
}

/** 'net:[inode]' of a named network namespace, or undefined if it does not exist. */
export function namespaceId(ns: string): string | undefined {
  try {
    // stat on the nsfs bind mount under /run/netns reports the namespace's inode.
    return `net:[${statSync(`/run/netns/${ns}`, { bigint: true }).ino}]`;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it is gone for our purposes.
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

export function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Waits (bounded) until none of the pids is alive; returns those still alive at the deadline. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(isAlive);
  }
  return alive;
}
