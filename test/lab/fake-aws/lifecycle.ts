import { randomUUID } from 'node:crypto';
import { AwsError } from './aws-error.js';
import type { HookSpec, HookTransition, LifecycleResult } from './types.js';

interface PendingAction {
  hook: HookSpec;
  token: string;
  timer: NodeJS.Timeout;
  /** Heartbeats cannot extend an action past this (epoch ms), as AWS's GlobalTimeout. */
  globalDeadline: number;
}

/** AWS caps an action at 100 heartbeat timeouts or 48 hours, whichever is smaller. */
export function globalTimeoutSec(hook: HookSpec): number {
  return Math.min(100 * hook.heartbeatTimeoutSec, 172_800);
}

interface InstanceActions {
  transition: HookTransition;
  pending: Map<string, PendingAction>;
  abandoned: boolean;
}

/** How one hook's action ended: what AWS's activity history tells ("... completed" or "... timed out"). */
export interface ActionOutcome {
  instanceId: string;
  hookName: string;
  transition: HookTransition;
  result: LifecycleResult;
  /** Completed by a CompleteLifecycleAction call, or by the heartbeat timeout (the hook's DefaultResult). */
  by: 'completion' | 'timeout';
  at: number;
}

export interface ActionRef {
  hookName: string;
  instanceId?: string;
  token?: string;
}

/**
 * The lifecycle actions an instance waits on while in Pending:Wait or Terminating:Wait: one per
 * hook of the transition, each with its heartbeat timer. `onDone` fires once all are resolved
 * (completed, or timed out into the hook's DefaultResult); ABANDON by any hook wins.
 */
export class LifecycleActions {
  private readonly byInstance = new Map<string, InstanceActions>();
  private closed = false;
  /** Every action that ended, in order. */
  readonly outcomes: ActionOutcome[] = [];

  constructor(private readonly onDone: (instanceId: string, transition: HookTransition, result: LifecycleResult) => void) {}

  start(instanceId: string, transition: HookTransition, hooks: HookSpec[]): void {
    const actions: InstanceActions = { transition, pending: new Map(), abandoned: false };
    this.byInstance.set(instanceId, actions);
    for (const hook of hooks) {
      const globalDeadline = Date.now() + globalTimeoutSec(hook) * 1000;
      actions.pending.set(hook.name, { hook, token: randomUUID(), globalDeadline, timer: this.arm(instanceId, hook, globalDeadline) });
    }
  }

  isWaiting(instanceId: string): boolean {
    return this.byInstance.has(instanceId);
  }

  tokenOf(instanceId: string, hookName: string): string | undefined {
    return this.byInstance.get(instanceId)?.pending.get(hookName)?.token;
  }

  /** Restarts the hook's HeartbeatTimeout, as RecordLifecycleActionHeartbeat does. */
  heartbeat(ref: ActionRef): void {
    const { instanceId, action } = this.find(ref);
    clearTimeout(action.timer);
    action.timer = this.arm(instanceId, action.hook, action.globalDeadline);
  }

  complete(ref: ActionRef, result: LifecycleResult): void {
    const { instanceId } = this.find(ref);
    this.resolve(instanceId, ref.hookName, result, 'completion');
  }

  /** Drops an instance's actions without a result (the instance crashed or was force-terminated). */
  cancel(instanceId: string): void {
    const actions = this.byInstance.get(instanceId);
    if (actions === undefined) return;
    for (const action of actions.pending.values()) clearTimeout(action.timer);
    this.byInstance.delete(instanceId);
  }

  close(): void {
    this.closed = true;
    for (const instanceId of [...this.byInstance.keys()]) this.cancel(instanceId);
  }

  private arm(instanceId: string, hook: HookSpec, globalDeadline: number): NodeJS.Timeout {
    const delayMs = Math.min(hook.heartbeatTimeoutSec * 1000, globalDeadline - Date.now());
    return setTimeout(() => {
      if (!this.closed) this.resolve(instanceId, hook.name, hook.defaultResult, 'timeout');
    }, Math.max(0, delayMs));
  }

  private resolve(instanceId: string, hookName: string, result: LifecycleResult, by: ActionOutcome['by']): void {
    const actions = this.byInstance.get(instanceId);
    const action = actions?.pending.get(hookName);
    if (actions === undefined || action === undefined) return;
    clearTimeout(action.timer);
    this.outcomes.push({ instanceId, hookName, transition: actions.transition, result, by, at: Date.now() });
    actions.pending.delete(hookName);
    if (result === 'ABANDON') actions.abandoned = true;
    // On AWS, ABANDON by one hook of a launch ends the launch at once; the other hooks don't matter.
    const finished = actions.pending.size === 0 || (actions.abandoned && actions.transition === 'launching');
    if (!finished) return;
    this.cancel(instanceId);
    this.onDone(instanceId, actions.transition, actions.abandoned ? 'ABANDON' : 'CONTINUE');
  }

  private find(ref: ActionRef): { instanceId: string; action: PendingAction } {
    for (const [instanceId, actions] of this.byInstance) {
      const action = actions.pending.get(ref.hookName);
      if (action === undefined) continue;
      if (ref.token !== undefined ? action.token === ref.token : instanceId === ref.instanceId) return { instanceId, action };
    }
    const what = ref.token !== undefined ? `token ${ref.token}` : `instance ID ${ref.instanceId ?? '(none)'}`;
    throw new AwsError('ValidationError', `No active Lifecycle Action found with ${what}`);
  }
}
