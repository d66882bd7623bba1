/** Auto Scaling lifecycle states the fake walks through (the subset DESIGN.md relies on). */
export type LifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'Pending:Proceed'
  | 'InService'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminating:Proceed'
  | 'Terminated';

export type Ec2State = 'pending' | 'running' | 'shutting-down' | 'terminated';
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

export interface InstanceHost {
  launch(spec: LaunchSpec): Promise<void>;
  terminate(instanceId: string): Promise<void>;
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
}

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
  /** undefined once the instance has left its group (terminated or crashed). */
  asgName: string | undefined;
  lifecycleState: LifecycleState;
  ec2State: Ec2State;
  health: 'Healthy' | 'Unhealthy';
  spotAction: { action: 'terminate'; time: Date } | undefined;
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
}

export interface TransitionEvent {
  instanceId: string;
  from: LifecycleState | null;
  to: LifecycleState;
}
