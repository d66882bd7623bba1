import type { Rng } from '../rng.js';

/**
 * EC2 Auto Scaling, EC2 and SSM as the simulation needs them, after the AWS documentation: an
 * instance walks Pending -> Pending:Wait -> InService -> Terminating:Wait -> Terminating:Proceed ->
 * Terminated; a lifecycle action ends with CompleteLifecycleAction, or with the hook's DefaultResult
 * once HeartbeatTimeout passes without a heartbeat, or at the global timeout (100 x HeartbeatTimeout,
 * at most 48 h) whatever the heartbeats; an ABANDONed launch is terminated and replaced; an instance
 * set Unhealthy while InService is replaced; EC2 reports terminated instances as `terminated`.
 * SSM PutParameter with Overwrite=false is atomic. The host side (what running an instance means)
 * belongs to the world, through the callbacks.
 */

export type Role = 'manager' | 'worker';
export type Transition = 'launching' | 'terminating';
export type Result = 'CONTINUE' | 'ABANDON';

export interface SimHook {
  name: string;
  transition: Transition;
  heartbeatTimeoutMs: number;
  defaultResult: Result;
}

export interface SimAction {
  hook: SimHook;
  startedAt: number;
  expiresAt: number;
  globalAt: number;
  timer: ReturnType<typeof setTimeout>;
}

export interface SimInstance {
  id: string;
  ip: string;
  group: string;
  role: Role;
  az: string;
  /** undefined once it left its group (terminated, crashed, detached). */
  inGroup: boolean;
  lifecycleState: string;
  ec2State: 'pending' | 'running' | 'shutting-down' | 'terminated';
  spot: boolean;
  spotNotice: { action: string; time: string } | undefined;
  action: SimAction | undefined;
  /** What ended its last lifecycle action: the agent's completion, or a timeout. */
  endedBy: string | undefined;
  launchedAt: number;
  terminatedAt: number | undefined;
  /** When it began to go (shutting-down, or a crash): DescribeInstances' StateTransitionReason time. */
  goingAt: number | undefined;
  /** EC2 tags set on the instance itself (the group's propagated tags are not modelled). */
  tags: Record<string, string>;
  /** In the group's warm pool: not a member (DescribeAutoScalingGroups does not list it), still running. */
  pooled: boolean;
  /** IMDS events/recommendations/rebalance. */
  rebalanceNotice: string | undefined;
  /** IMDS events/maintenance/scheduled. */
  events: { eventId: string; code: string; notBefore: number; notAfter: number | undefined; state: string; completedAt?: number }[];
}

export interface SimGroup {
  name: string;
  role: Role;
  desired: number;
  /** A Running warm pool with ReuseOnScaleIn: scale-in returns instances to it, scale-out takes them first. */
  warmPool: boolean;
  hooks: SimHook[];
  spot: boolean;
}

export interface CloudHost {
  /** EC2 started the instance: power it on (engine, then the agent's units). */
  powerOn(instance: SimInstance): void;
  /** The instance shuts down (EC2 terminate): SIGTERM to the agent, then everything stops. */
  shutdown(instance: SimInstance): void;
  /** An instance went back to the warm pool (its terminating action ended): it keeps running. */
  pooled(instance: SimInstance, endedBy: string): void;
  /** A lifecycle action ended by timeout rather than by the agent. */
  actionExpired(instance: SimInstance, action: SimAction, why: 'heartbeat' | 'global'): void;
  /** Auto Scaling terminates an instance after its terminating action ended (CONTINUE/ABANDON/timeout). */
  terminating(instance: SimInstance, endedBy: string): void;
}

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The global timeout AWS puts on every lifecycle action, heartbeats or not. */
export function globalTimeoutMs(hook: SimHook): number {
  return Math.min(100 * hook.heartbeatTimeoutMs, 48 * 3_600_000);
}

const BOOT_MS = 2_000;

export class CloudModel {
  readonly groups = new Map<string, SimGroup>();
  readonly instances = new Map<string, SimInstance>();
  readonly parameters = new Map<string, { value: string; version: number; modifiedAt: number }>();
  #seq = 0;

  constructor(
    private readonly rng: Rng,
    private readonly host: CloudHost,
    private readonly now: () => number,
  ) {}

  addGroup(group: SimGroup): void {
    this.groups.set(group.name, group);
  }

  group(name: string): SimGroup {
    const group = this.groups.get(name);
    if (group === undefined) throw new AwsError('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup '${name}' not found`);
    return group;
  }

  /** The group's instances as DescribeAutoScalingGroups lists them: warm pool instances are not. */
  members(group: string): SimInstance[] {
    return [...this.instances.values()].filter((i) => i.inGroup && !i.pooled && i.group === group);
  }

  /** Launches until the group has `desired` instances that are not on their way out, from its warm pool first. */
  fill(groupName: string): void {
    const group = this.group(groupName);
    const active = this.members(groupName).filter((i) => !i.lifecycleState.startsWith('Terminating'));
    for (let i = active.length; i < group.desired; i++) {
      const pooled = [...this.instances.values()].find((p) => p.pooled && p.group === groupName && p.lifecycleState === 'Warmed:Running' && p.ec2State === 'running');
      if (pooled === undefined) this.launch(group);
      else this.fromPool(group, pooled);
    }
  }

  /** Warmed:Running -> Pending -> Pending:Wait (the launching hook again) -> InService, with no reboot. */
  private fromPool(group: SimGroup, instance: SimInstance): void {
    instance.pooled = false;
    const hook = group.hooks.find((h) => h.transition === 'launching');
    if (hook) this.startAction(instance, hook, 'Pending:Wait');
    else instance.lifecycleState = 'InService';
  }

  setDesired(groupName: string, desired: number): void {
    this.group(groupName).desired = Math.max(0, desired);
    this.fill(groupName);
  }

  private launch(group: SimGroup): SimInstance {
    const n = ++this.#seq;
    const instance: SimInstance = {
      id: `i-${String(n).padStart(3, '0')}${this.rng.hex(5)}`,
      ip: `10.0.${group.role === 'manager' ? 1 : 2}.${n}`,
      group: group.name,
      role: group.role,
      az: `sim-1${'abc'[n % 3]}`,
      inGroup: true,
      lifecycleState: 'Pending',
      ec2State: 'pending',
      spot: group.spot,
      spotNotice: undefined,
      action: undefined,
      endedBy: undefined,
      launchedAt: this.now(),
      terminatedAt: undefined,
      goingAt: undefined,
      tags: {},
      pooled: false,
      rebalanceNotice: undefined,
      events: [],
    };
    this.instances.set(instance.id, instance);
    setTimeout(() => {
      if (instance.ec2State !== 'pending') return;
      instance.ec2State = 'running';
      const hook = group.hooks.find((h) => h.transition === 'launching');
      if (hook) this.startAction(instance, hook, 'Pending:Wait');
      else instance.lifecycleState = 'InService';
      this.host.powerOn(instance);
    }, BOOT_MS);
    return instance;
  }

  /** TerminateInstanceInAutoScalingGroup, or a scale-in choosing this instance. */
  terminate(id: string, decrement: boolean): void {
    const instance = this.require(id);
    if (!instance.inGroup || instance.lifecycleState.startsWith('Terminat')) return;
    const group = this.group(instance.group);
    if (decrement) group.desired = Math.max(0, group.desired - 1);
    this.clearAction(instance);
    const hook = group.hooks.find((h) => h.transition === 'terminating');
    if (decrement && group.warmPool && instance.lifecycleState === 'InService' && hook) {
      // ReuseOnScaleIn: back to the pool through the terminating hook (Warmed:Pending:Wait), not terminated.
      instance.pooled = true;
      this.startAction(instance, hook, 'Warmed:Pending:Wait');
    } else if (hook && instance.ec2State === 'running') {
      this.startAction(instance, hook, 'Terminating:Wait');
    } else {
      this.proceedTermination(instance, 'no terminating hook');
    }
    this.fill(group.name);
  }

  /** Power cut: EC2 reports it terminated at once, no hook runs, the group does not replace it. */
  crash(id: string): void {
    const instance = this.require(id);
    if (instance.ec2State === 'terminated') return;
    this.clearAction(instance);
    if (instance.inGroup && !instance.pooled && !instance.lifecycleState.startsWith('Terminat')) this.group(instance.group).desired -= 1;
    this.gone(instance);
  }

  /** Out of its group, still running (DetachInstances, decrementing). */
  detach(id: string): void {
    const instance = this.require(id);
    if (!instance.inGroup || instance.lifecycleState !== 'InService') return;
    this.clearAction(instance);
    this.group(instance.group).desired -= 1;
    instance.inGroup = false;
    instance.lifecycleState = 'Detached';
  }

  /** Two minutes' notice in IMDS, then EC2 takes the instance; the group launches a replacement. */
  interruptSpot(id: string): void {
    const instance = this.require(id);
    if (instance.ec2State !== 'running' || instance.spotNotice) return;
    instance.spotNotice = { action: 'terminate', time: new Date(this.now() + 120_000).toISOString() };
    setTimeout(() => {
      if (instance.ec2State === 'terminated') return;
      this.clearAction(instance);
      this.host.shutdown(instance);
      this.gone(instance);
      if (this.groups.has(instance.group)) this.fill(instance.group);
    }, 120_000);
  }

  /** EC2 recommends a rebalance: the instance is at elevated risk of interruption. */
  recommendRebalance(id: string): void {
    const instance = this.require(id);
    instance.rebalanceNotice ??= new Date(this.now()).toISOString();
  }

  /**
   * A scheduled event: at NotBefore EC2 reboots the instance (reboot codes) or stops it, and the ASG,
   * finding a stopped instance unhealthy, replaces it through its hooks.
   */
  scheduleEvent(id: string, code: string, inMs: number, carryOut: (instance: SimInstance) => void): void {
    const instance = this.require(id);
    const notBefore = this.now() + inMs;
    const event = { eventId: `instance-event-${this.rng.hex(17)}`, code, notBefore, notAfter: notBefore + 30 * 60_000, state: 'active' };
    instance.events.push(event);
    setTimeout(() => {
      if (instance.ec2State !== 'running' || event.state !== 'active') return;
      carryOut(instance);
      setTimeout(() => {
        event.state = 'completed';
        Object.assign(event, { completedAt: this.now() });
      }, 20_000);
    }, inMs);
  }

  setUnhealthy(id: string): void {
    const instance = this.require(id);
    if (instance.inGroup && instance.lifecycleState === 'InService') this.terminate(id, false);
  }

  complete(groupName: string, hookName: string, id: string, result: Result): void {
    const instance = this.instances.get(id);
    const action = instance?.action;
    if (instance === undefined || !instance.inGroup || instance.group !== groupName || action === undefined || action.hook.name !== hookName) {
      throw new AwsError('ValidationError', `No active Lifecycle Action found with instance ID ${id}`);
    }
    this.endAction(instance, result, 'agent');
  }

  heartbeat(groupName: string, hookName: string, id: string): void {
    const instance = this.instances.get(id);
    const action = instance?.action;
    if (instance === undefined || instance.group !== groupName || action === undefined || action.hook.name !== hookName) {
      throw new AwsError('ValidationError', `No active Lifecycle Action found with instance ID ${id}`);
    }
    action.expiresAt = Math.min(this.now() + action.hook.heartbeatTimeoutMs, action.globalAt);
    this.arm(instance, action);
  }

  // --- SSM (Parameter Store) -------------------------------------------------------------------

  getParameter(name: string): { value: string; version: number; modifiedAt: number } {
    const found = this.parameters.get(name);
    if (found === undefined) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
    return found;
  }

  /** GetParameters (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html): 1 to 10 names; a missing one is listed in InvalidParameters, never an error. */
  getParameters(names: string[]): { found: Map<string, { value: string; version: number; modifiedAt: number }>; invalid: string[] } {
    if (names.length < 1 || names.length > 10) throw new AwsError('ValidationException', `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10`);
    const found = new Map<string, { value: string; version: number; modifiedAt: number }>();
    for (const name of names) {
      const parameter = this.parameters.get(name);
      if (parameter !== undefined) found.set(name, parameter);
    }
    return { found, invalid: names.filter((name) => !found.has(name)) };
  }

  putParameter(name: string, value: string, overwrite: boolean): void {
    const found = this.parameters.get(name);
    if (found !== undefined && !overwrite) throw new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    this.parameters.set(name, { value, version: (found?.version ?? 0) + 1, modifiedAt: this.now() });
  }

  deleteParameter(name: string): void {
    if (!this.parameters.delete(name)) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
  }

  require(id: string): SimInstance {
    const instance = this.instances.get(id);
    if (instance === undefined) throw new AwsError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${id}`);
    return instance;
  }

  private startAction(instance: SimInstance, hook: SimHook, state: string): void {
    instance.lifecycleState = state;
    const now = this.now();
    const action: SimAction = { hook, startedAt: now, expiresAt: now + hook.heartbeatTimeoutMs, globalAt: now + globalTimeoutMs(hook), timer: setTimeout(() => {}, 0) };
    instance.action = action;
    this.arm(instance, action);
  }

  private arm(instance: SimInstance, action: SimAction): void {
    clearTimeout(action.timer);
    action.timer = setTimeout(() => {
      if (instance.action !== action) return;
      const why = action.expiresAt >= action.globalAt ? 'global' : 'heartbeat';
      this.host.actionExpired(instance, action, why);
      this.endAction(instance, action.hook.defaultResult, `timeout (${why})`);
    }, action.expiresAt - this.now());
  }

  private clearAction(instance: SimInstance): void {
    if (instance.action) clearTimeout(instance.action.timer);
    instance.action = undefined;
  }

  private endAction(instance: SimInstance, result: Result, by: string): void {
    const action = instance.action;
    if (action === undefined) return;
    this.clearAction(instance);
    instance.endedBy = `${result} by ${by}`;
    if (instance.pooled && action.hook.transition === 'terminating') {
      instance.lifecycleState = 'Warmed:Running';
      this.host.pooled(instance, instance.endedBy);
      return;
    }
    if (action.hook.transition === 'launching') {
      if (result === 'CONTINUE') {
        instance.lifecycleState = 'InService';
        return;
      }
      // An abandoned launch is terminated without the terminating hook, and replaced.
      this.proceedTermination(instance, instance.endedBy);
      this.fill(instance.group);
      return;
    }
    this.proceedTermination(instance, instance.endedBy);
  }

  private proceedTermination(instance: SimInstance, endedBy: string): void {
    instance.lifecycleState = 'Terminating:Proceed';
    this.host.terminating(instance, endedBy);
    instance.ec2State = 'shutting-down';
    instance.goingAt = this.now();
    this.host.shutdown(instance);
    // The OS shutdown lets the agent finish its SIGTERM handling before EC2 reports terminated.
    setTimeout(() => this.gone(instance), 5_000);
  }

  private gone(instance: SimInstance): void {
    if (instance.ec2State === 'terminated') return;
    instance.ec2State = 'terminated';
    instance.lifecycleState = 'Terminated';
    instance.inGroup = false;
    instance.terminatedAt = this.now();
    instance.goingAt ??= instance.terminatedAt;
  }
}
