/** What the instance knows about itself (IMDSv2). */
export interface InstanceIdentity {
  instanceId: string;
  region: string;
  availabilityZone: string;
  localIpv4: string;
  instanceType: string;
  /** `instance-life-cycle`: a spot instance can be taken with two minutes' notice. */
  lifecycle: 'spot' | 'on-demand';
}

export interface SpotInterruption {
  action: string;
  time: string;
}

/** One entry of `events/maintenance/scheduled`: EC2 will reboot, stop or retire the instance. */
export interface ScheduledEvent {
  eventId: string;
  /** instance-reboot | system-reboot | system-maintenance | instance-retirement | instance-stop */
  code: string;
  /** Epoch ms; EC2 carries the event out from then on. */
  notBefore: number;
  notAfter: number | undefined;
  /** active | completed | canceled */
  state: string;
}

export interface InstanceMetadata {
  identity(): Promise<InstanceIdentity>;
  /** `autoscaling/target-lifecycle-state`; undefined when the instance is in no ASG (404). */
  targetLifecycleState(): Promise<string | undefined>;
  /** `spot/instance-action`; undefined when no interruption is scheduled (404). */
  spotInterruption(): Promise<SpotInterruption | undefined>;
  /** `events/recommendations/rebalance`'s notice time; undefined when none (404). */
  rebalanceRecommendation(): Promise<string | undefined>;
  /** `events/maintenance/scheduled`, those with readable times. */
  scheduledEvents(): Promise<ScheduledEvent[]>;
}
