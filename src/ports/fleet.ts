import type { Role } from '../config/config.js';

/** One instance of a cluster ASG, joined with what EC2 says of it. */
export interface FleetInstance {
  instanceId: string;
  asgName: string;
  /** Role of its ASG (`swarmnode:role` tag). */
  role: Role | undefined;
  /** ASG lifecycle state: Pending, Pending:Wait, InService, Terminating:Wait, ... */
  lifecycleState: string;
  healthStatus: string;
  availabilityZone: string;
  /** From EC2; undefined when EC2 no longer knows the instance. */
  privateIp: string | undefined;
  instanceType: string | undefined;
  /** EC2 state name: pending, running, stopping, stopped, shutting-down, terminated. */
  ec2State: string | undefined;
  lifecycle: 'spot' | 'on-demand';
  /** The instance's `swarmnode:drain` tag: it asked the leader to drain (and demote) its node, and why. */
  drainRequest: string | undefined;
}

export interface Ec2Facts {
  /** pending, running, stopping, stopped, shutting-down, terminated. */
  state: string;
  /** When a shutting-down or terminated instance began to go (EC2's StateTransitionReason); undefined if EC2 does not say. */
  goneAt?: number;
  /** The `swarmnode:drain` tag. */
  drainRequest: string | undefined;
}

export interface ClusterGroup {
  name: string;
  role: Role | undefined;
  /** The group's `swarmnode:launching-hook` tag: its launching hook's name, known without DescribeLifecycleHooks. */
  launchingHook?: string | undefined;
}

/** The cluster as the ASGs and EC2 see it, gathered in O(1) calls. */
export interface FleetView {
  groups: ClusterGroup[];
  instances: FleetInstance[];
}

export interface OwnGroup {
  asgName: string;
  lifecycleState: string;
  role: Role | undefined;
  /** The launching hook's name when the group's tag says it (see ClusterGroup). */
  launchingHook?: string | undefined;
}

export type LifecycleTransition = 'launching' | 'terminating';
export type LifecycleResult = 'CONTINUE' | 'ABANDON';

export interface LifecycleHook {
  name: string;
  asgName: string;
  transition: LifecycleTransition;
  heartbeatTimeoutMs: number;
  defaultResult: LifecycleResult;
}

export interface Fleet {
  /** DescribeAutoScalingInstances for this instance; undefined when it is in no ASG. */
  ownGroup(instanceId: string): Promise<OwnGroup | undefined>;
  /**
   * The cluster's ASGs (by the `swarmnode:cluster` tag) and their instances with private IPs.
   * `ec2Of`: only the instances of groups of that role get EC2's facts (the others' privateIp,
   * ec2State... stay undefined): a boot needs the managers', not a thousand workers'.
   */
  view(cluster: string, ec2Of?: Role): Promise<FleetView>;
  /**
   * What EC2 says of instances that may be in no cluster ASG (batched DescribeInstances): their
   * state, and their drain request (a warm pool instance is no group member). Missing: EC2 does not
   * know the instance (any more).
   */
  ec2Facts(instanceIds: string[]): Promise<Map<string, Ec2Facts>>;
  hook(asgName: string, transition: LifecycleTransition): Promise<LifecycleHook | undefined>;
  completeLifecycleAction(hook: LifecycleHook, instanceId: string, result: LifecycleResult): Promise<void>;
  recordHeartbeat(hook: LifecycleHook, instanceId: string): Promise<void>;
  setUnhealthy(instanceId: string): Promise<void>;
  /** Tags this instance `swarmnode:drain=<reason>` (CreateTags on itself): the leader drains its node, and demotes a manager within quorum. */
  requestDrain(instanceId: string, reason: string): Promise<void>;
  /** Removes the `swarmnode:drain` tag (DeleteTags on itself): the reason is past, the leader re-activates the node. */
  clearDrainRequest(instanceId: string): Promise<void>;
}
