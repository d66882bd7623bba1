/**
 * Auto Scaling lifecycle states the fake walks through: the group's own, and the warm pool's
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html).
 */
export type LifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'Pending:Proceed'
  | 'InService'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminating:Proceed'
  | 'Terminated'
  | 'Warmed:Pending'
  | 'Warmed:Pending:Wait'
  | 'Warmed:Pending:Proceed'
  | WarmedState
  | 'Warmed:Terminating'
  | 'Warmed:Terminating:Wait'
  | 'Warmed:Terminating:Proceed'
  | 'Warmed:Terminated';

/** Where a warm pool keeps its instances (PutWarmPool PoolState). */
export type PoolState = 'Stopped' | 'Running' | 'Hibernated';
export type WarmedState = `Warmed:${PoolState}`;

export type Ec2State = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
export type HookTransition = 'launching' | 'terminating';
export type LifecycleResult = 'CONTINUE' | 'ABANDON';
export type PurchaseOption = 'spot' | 'on-demand';

/** What the host (the lab's namespaces + dockerd) needs to bring an instance up or down. */
export interface LaunchSpec {
  instanceId: string;
  privateIp: string;
  asgName: string;
  availabilityZone: string;
  instanceType: string;
  lifecycle: PurchaseOption;
  virtual: boolean;
}

/** How an instance powers off without being terminated: an EC2 stop, or a hibernation (RAM kept). */
export type PowerOff = 'stop' | 'hibernate';

export interface InstanceHost {
  launch(spec: LaunchSpec): Promise<void>;
  /** The instance is terminated; a stopped or hibernated one is removed without a shutdown. */
  terminate(instanceId: string): Promise<void>;
  /** EC2 stop (an OS shutdown, disks kept) or hibernation (every process kept as it is). */
  stop(instanceId: string, how: PowerOff): Promise<void>;
  /** EC2 start: boots again after a stop, resumes (no boot) after a hibernation. */
  start(instanceId: string): Promise<void>;
  /** An EC2 reboot (a scheduled instance-reboot or system-reboot): OS shutdown, then boot. */
  reboot(instanceId: string): Promise<void>;
  /** Cuts (or restores) the instance's network, as during network maintenance. */
  partition(instanceId: string, cut: boolean): Promise<void>;
}

export interface HookSpec {
  name: string;
  transition: HookTransition;
  heartbeatTimeoutSec: number;
  defaultResult: LifecycleResult;
}

export interface GroupSpec {
  name: string;
  tags: Record<string, string>;
  desired: number;
  min?: number;
  max?: number;
  availabilityZones?: string[];
  instanceType?: string;
  /** Every instance the group launches is spot when true (InstanceLifecycle 'spot' in EC2). */
  spot?: boolean;
  hooks?: HookSpec[];
  virtual?: boolean;
  warmPool?: WarmPoolSpec;
}

/** PutWarmPool's parameters; undefined fields take AWS's defaults. */
export interface WarmPoolSpec {
  minSize?: number;
  /** -1 (or undefined) means the group's MaxSize. */
  maxGroupPreparedCapacity?: number;
  poolState?: PoolState;
  reuseOnScaleIn?: boolean;
}

export interface WarmPool {
  minSize: number;
  maxGroupPreparedCapacity: number | undefined;
  poolState: PoolState;
  reuseOnScaleIn: boolean;
  /** Set by DeleteWarmPool until the last pool instance is gone. */
  status: 'PendingDelete' | undefined;
}

export type ScheduledEventCode = 'instance-reboot' | 'system-reboot' | 'system-maintenance' | 'instance-retirement' | 'instance-stop';

/** An EC2 scheduled event (DescribeInstanceStatus Events, IMDS events/maintenance/*). */
export interface ScheduledEvent {
  eventId: string;
  code: ScheduledEventCode;
  description: string;
  notBefore: Date;
  notAfter: Date | undefined;
  notBeforeDeadline: Date | undefined;
  state: 'active' | 'completed' | 'canceled';
}

export type SpotAction = 'terminate' | 'stop' | 'hibernate';

export interface FakeInstance {
  readonly instanceId: string;
  readonly privateIp: string;
  readonly availabilityZone: string;
  readonly instanceType: string;
  readonly lifecycle: PurchaseOption;
  readonly virtual: boolean;
  readonly launchTime: Date;
  /** The group it was launched by; kept after it leaves so EC2 tags stay truthful. */
  readonly launchedBy: string;
  /** Launch order, so scale-in can pick the newest instance deterministically. */
  readonly seq: number;
  /** undefined once the instance has left its group (terminated or crashed); a warm pool instance has it. */
  asgName: string | undefined;
  lifecycleState: LifecycleState;
  ec2State: Ec2State;
  health: 'Healthy' | 'Unhealthy';
  spotAction: { action: SpotAction; time: Date } | undefined;
  /** The pool state a Warmed:Pending* instance is heading for (its IMDS target). */
  warmedTo: PoolState | undefined;
  /** EC2 tags: the group's (PropagateAtLaunch) and aws:autoscaling:groupName, copied at launch, then CreateTags/DeleteTags. */
  tags: Record<string, string>;
  rebalanceNotice: Date | undefined;
  events: ScheduledEvent[];
  /** When EC2 last began to stop or terminate it: DescribeInstances' StateTransitionReason. */
  transitionAt: Date | undefined;
}

export interface FakeGroup {
  readonly name: string;
  readonly arn: string;
  readonly tags: Record<string, string>;
  readonly min: number;
  readonly max: number;
  readonly availabilityZones: string[];
  readonly instanceType: string;
  readonly spot: boolean;
  readonly hooks: HookSpec[];
  readonly virtual: boolean;
  readonly createdTime: Date;
  desired: number;
  /** Members in launch order; an instance leaves this list when it reaches Terminated. */
  instanceIds: string[];
  warmPool: WarmPool | undefined;
  /** Warm pool instances (Warmed:*), in the order they entered the pool. */
  warmIds: string[];
  /** SuspendProcesses, with when: the lab acts on HealthCheck and ReplaceUnhealthy (the others are only recorded). */
  suspended: Map<ScalingProcess, Date>;
}

/** The processes SuspendProcesses accepts (Auto Scaling API reference, ProcessType). */
export const SCALING_PROCESSES = ['Launch', 'Terminate', 'AddToLoadBalancer', 'AlarmNotification', 'AZRebalance', 'HealthCheck', 'InstanceRefresh', 'ReplaceUnhealthy', 'ScheduledActions'] as const;
export type ScalingProcess = (typeof SCALING_PROCESSES)[number];

export interface TransitionEvent {
  instanceId: string;
  from: LifecycleState | null;
  to: LifecycleState;
}
