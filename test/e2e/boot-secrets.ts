import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import type { Lab } from '../lab/lab.js';

const SAMPLE_EVERY_MS = 200;
/** A sampler nobody stopped must not run for ever. */
const SAMPLE_AT_MOST_MS = 600_000;
/** Parent links walked per process; real process trees are far shallower. */
const MAX_DEPTH = 64;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    // The process exited between listing /proc and reading it.
    return undefined;
  }
}

function parentOf(pid: string): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may itself hold spaces: state, ppid, ...
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
}

/**
 * What a swarmnode process and its children expose to every other process of the host while they
 * run: their command lines and environments, read from /proc every few hundred ms. Kept as distinct
 * texts, since the tokens they must not contain are only known once the swarm exists.
 */
export class ProcSampler {
  readonly #texts = new Set<string>();
  readonly #agents = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopAt = 0;

  start(): void {
    this.#stopAt = Date.now() + SAMPLE_AT_MOST_MS;
    this.#timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    // Sampling alone must never keep a test process alive.
    this.#timer.unref();
    this.sample();
  }

  /** Stops sampling; returns every distinct cmdline and environ seen, and how many swarmnode processes. */
  stop(): { texts: string[]; agentProcesses: number } {
    clearInterval(this.#timer);
    this.#timer = undefined;
    return { texts: [...this.#texts], agentProcesses: this.#agents.size };
  }

  private sample(): void {
    if (Date.now() > this.#stopAt) {
      this.stop();
      return;
    }
    const cmdlines = new Map<string, string>();
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      const cmdline = read(`/proc/${pid}/cmdline`);
      if (cmdline !== undefined) cmdlines.set(pid, cmdline);
    }
    const roots = new Set([...cmdlines].filter(([, cmd]) => basename(cmd.split('\0')[0] ?? '') === 'swarmnode').map(([pid]) => pid));
    for (const [pid, cmdline] of cmdlines) {
      if (!roots.has(pid) && !this.descendsFrom(pid, roots)) continue;
      if (roots.has(pid)) this.#agents.add(`${pid} ${cmdline}`);
      this.#texts.add(cmdline);
      const environ = read(`/proc/${pid}/environ`);
      if (environ !== undefined) this.#texts.add(environ);
    }
  }

  private descendsFrom(pid: string, roots: Set<string>): boolean {
    let current: string | undefined = pid;
    for (let depth = 0; depth < MAX_DEPTH && current !== undefined && current !== '0'; depth++) {
      current = parentOf(current);
      if (current !== undefined && roots.has(current)) return true;
    }
    return false;
  }
}

/** Files an agent could have written: everything in the instance dir except the engine's own state. */
export function agentFiles(dir: string, skip: readonly string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skip.includes(path)) return [];
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return [];
    if (stat.isDirectory()) return agentFiles(path, skip);
    // Regular files only: the instance dir also holds namespace bind mounts that cannot be read.
    return stat.isFile() && stat.size > 0 && stat.size < 10_000_000 ? [path] : [];
  });
}

/**
 * The random part of a join token (`SWMTKN-1-<CA digest>-<secret>`) or the unlock key: finding it
 * anywhere is a leak, even of a truncated or reformatted token.
 */
function secretPart(secret: string): string {
  return secret.startsWith('SWMTKN-') ? (secret.split('-').at(-1) ?? secret) : secret;
}

/**
 * No token or unlock key in any agent log line or file of any instance (the engine's data-root and
 * exec-root excluded: the engine keeps its own state there), in output the test captured, nor in
 * what the sampler saw of swarmnode processes and their children.
 */
export function expectNoSecrets(
  lab: Lab,
  secrets: readonly string[],
  sampled: { texts: string[]; agentProcesses: number },
  opts: { captured?: readonly string[]; agentLogs?: boolean } = {},
): void {
  const { captured = [], agentLogs = true } = opts;
  const parts = [...new Set(secrets.filter((s) => s !== '').map(secretPart))];
  expect(parts.length).toBeGreaterThan(0);
  expect(sampled.agentProcesses).toBeGreaterThan(0);
  const where: string[] = [];
  for (const i of lab.instances()) {
    const files = agentFiles(i.dir, [join(i.dir, 'data'), join(i.dir, 'exec')]);
    // Proves the walk reaches the agent's own log, when the lab runs the agent.
    if (agentLogs) expect(files).toContain(i.logFile);
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      if (parts.some((p) => text.includes(p))) where.push(file);
    }
  }
  const masked = (text: string) => parts.reduce((t, p) => t.replaceAll(p, '[leaked]'), text).replaceAll('\0', ' ').slice(0, 300);
  for (const text of sampled.texts) {
    if (parts.some((p) => text.includes(p))) where.push(`/proc: ${masked(text)}`);
  }
  captured.forEach((text, n) => {
    if (parts.some((p) => text.includes(p))) where.push(`captured output ${n}`);
  });
  expect(where).toEqual([]);
}
