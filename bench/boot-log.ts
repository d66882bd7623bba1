/**
 * Reading `swarmnode boot` out of an instance's agent log (pino JSON lines of boot, then watch):
 * the decisions it took and how it ended, for the demo's story and the soak's failure reasons.
 */
export interface BootLine {
  /** Epoch ms of the line. */
  at: number;
  level: string;
  msg: string;
  /** A decision (facts -> next step), an action boot carried out, or anything else (warnings, errors). */
  kind: 'decided' | 'did' | 'note';
  /** For 'did' lines: the action (`take-lock`, `init`, `publish`, `join`, ...). */
  action: string | undefined;
}

export type BootOutcome =
  | { state: 'running' }
  | { state: 'done'; at: number; nodeId: string | undefined }
  | { state: 'failed'; at: number; reason: string; fix: string | undefined };

interface RawLine {
  time?: string;
  level?: string;
  msg?: string;
  cmd?: string;
  /** The step boot decided, or for a boot that ends before deciding anything, a word like `exit-no-join`. */
  decision?: { kind?: string } | string;
  action?: unknown;
  nodeId?: string;
  seconds?: number;
  exitCode?: number;
  stack?: string;
  raw?: string;
}

function bootLines(log: readonly object[]): RawLine[] {
  return (log as RawLine[]).filter((line) => line.cmd === 'boot' || line.raw !== undefined);
}

function toLine(line: RawLine): BootLine {
  // The error line's `action` is the fix, not something boot did.
  const action = line.decision === undefined && line.exitCode === undefined && typeof line.action === 'string' ? line.action : undefined;
  return {
    at: line.time === undefined ? Number.NaN : Date.parse(line.time),
    level: line.level ?? 'raw',
    msg: line.msg ?? line.raw ?? '',
    kind: line.decision !== undefined ? 'decided' : action !== undefined ? 'did' : 'note',
    action,
  };
}

/**
 * What a newcomer should see of a boot: every decision and action at info level and above, the
 * repeated "still waiting" decisions being debug lines already. Facts stay in the JSON log.
 */
export function bootStory(log: readonly object[]): BootLine[] {
  return bootLines(log)
    .filter((line) => line.level !== 'debug' && line.level !== 'trace')
    .map(toLine);
}

/**
 * How the (latest) boot ended: the "boot done" line carries the node id and the seconds it took;
 * the failure line is the one the CLI writes for the error it exits with (it has the exit code,
 * or a stack for an unexpected error).
 */
export function bootOutcome(log: readonly object[]): BootOutcome {
  const lines = bootLines(log);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const at = line.time === undefined ? Number.NaN : Date.parse(line.time);
    if (line.seconds !== undefined && line.nodeId !== undefined) return { state: 'done', at, nodeId: line.nodeId };
    const decided = typeof line.decision === 'string' ? line.decision : line.decision?.kind;
    // A warm-pool or terminating target: boot exits 0 without joining, by design.
    if (decided?.startsWith('exit-')) return { state: 'done', at, nodeId: undefined };
    if (line.exitCode !== undefined || line.stack !== undefined) {
      return { state: 'failed', at, reason: line.msg ?? 'unknown error', fix: typeof line.action === 'string' ? line.action : undefined };
    }
    if (line.msg === 'boot starting') break;
  }
  return { state: 'running' };
}
