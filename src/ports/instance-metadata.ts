/** What the instance knows about itself (IMDSv2). */
export interface InstanceIdentity {
  instanceId: string;
  region: string;
  availabilityZone: string;
  localIpv4: string;
  instanceType: string;
}

export interface SpotInterruption {
  action: string;
  time: string;
}

export interface InstanceMetadata {
  identity(): Promise<InstanceIdentity>;
  /** `autoscaling/target-lifecycle-state`; undefined when the instance is in no ASG (404). */
  targetLifecycleState(): Promise<string | undefined>;
  /** `spot/instance-action`; undefined when no interruption is scheduled (404). */
  spotInterruption(): Promise<SpotInterruption | undefined>;
}
