import { EventEmitter } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from './aws-error.js';
import { CallCounter, type CallStats } from './call-counter.js';
import { Faults } from './faults.js';
import { FakeKms } from './kms.js';
import { LifecycleActions, type ActionOutcome, type ActionRef } from './lifecycle.js';
import { ParameterStore, type StoredParameter } from './parameter-store.js';
import type { AwsThrottle, AwsThrottleOptions } from './aws-throttle.js';
import { FakeS3, type BucketOptions, type FakeBucket, type S3Version } from './s3.js';
import { newScheduledEvent, settleEvent } from './scheduled-events.js';
import type {
  FakeGroup,
  FakeInstance,
  GroupSpec,
  HookTransition,
  InstanceHost,
  LaunchSpec,
  LifecycleResult,
  LifecycleState,
  PowerOff,
  ScalingProcess,
  ScheduledEvent,
  ScheduledEventCode,
  SpotAction,
  TransitionEvent,
  WarmPoolSpec,
} from './types.js';
import { SCALING_PROCESSES } from './types.js';
import { isWarm, isWarmed, isWarmTerminating, warmPoolOf, warmPoolSize } from './warm-pool.js';

export type {
  FakeGroup,
  FakeInstance,
  GroupSpec,
  HookSpec,
  InstanceHost,
  LaunchSpec,
  LifecycleState,
  PoolState,
  PowerOff,
  ScheduledEvent,
  ScheduledEventCode,
  SpotAction,
  TransitionEvent,
  WarmPoolSpec,
} from './types.js';

export interface FakeCloudOptions {
  region?: string;
  accountId?: string;
  /** Virtual instances get no namespace, so the host may take their address from elsewhere. */
  allocateIp: (instance: { virtual: boolean }) => string;
  host?: InstanceHost;
  now?: () => number;
  /** Lets IMDS clients in the root namespace pick their instance with `x-lab-instance-id`. */
  imdsTestHeader?: boolean;
}

/** Instance credentials served by the fake IMDS carry the instance id, so calls can be attributed. */
const INSTANCE_KEY_PREFIX = 'ASIALAB';
const WAIT_POLL_MS = 20;
/** EC2: "Each resource can have a maximum of 50 tags"; aws: tags do not count. */
const MAX_TAGS = 50;

/**
 * The in-memory cloud behind the fake AWS endpoint: Auto Scaling groups and their lifecycle state
 * machine, EC2 instances, KMS keys, SSM parameters, injected faults and call counters. No sockets:
 * server.ts puts the wire protocols in front of it, and the lab's InstanceHost makes instances real.
 */
export class FakeCloud {
  readonly region: string;
  readonly accountId: string;
  readonly imdsTestHeader: boolean;
  readonly now: () => number;
  /** Emits 'transition' (TransitionEvent) and 'host-error' ({ instanceId, error }). */
  readonly events = new EventEmitter();
  readonly faults: Faults;
  readonly kms: FakeKms;
  readonly parameters: ParameterStore;
  readonly s3: FakeS3;

  private host: InstanceHost | undefined;
  private readonly allocateIp: (instance: { virtual: boolean }) => string;
  private readonly groupMap = new Map<string, FakeGroup>();
  private readonly instanceMap = new Map<string, FakeInstance>();
  /** Per instance, the host operations under way, so they run one after another. */
  private readonly hostQueue = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly counter = new CallCounter();
  private readonly actions: LifecycleActions;
  private launchSeq = 0;
  private closed = false;

  constructor(opts: FakeCloudOptions) {
    this.region = opts.region ?? 'eu-west-1';
    this.accountId = opts.accountId ?? '123456789012';
    this.allocateIp = opts.allocateIp;
    this.host = opts.host;
    this.now = opts.now ?? Date.now;
    this.imdsTestHeader = opts.imdsTestHeader ?? false;
    this.faults = new Faults(this.now);
    this.kms = new FakeKms(this.region, this.accountId);
    this.parameters = new ParameterStore(this.kms, `arn:aws:ssm:${this.region}:${this.accountId}:parameter`, this.now);
    this.s3 = new FakeS3(this.kms, this.region, this.accountId, this.now);
    this.actions = new LifecycleActions((id, transition, result) => this.onActionsDone(id, transition, result));
    this.events.setMaxListeners(100);
  }

  setHost(host: InstanceHost): void {
    this.host = host;
  }

  createKey(opts: { alias?: string } = {}): { keyId: string; arn: string } {
    return this.kms.createKey(opts);
  }

  /**
   * Creates the group and launches `desired` instances at once (and its warm pool's, when given);
   * resolves with the group's instance ids when the host has launched them all.
   */
  async createGroup(spec: GroupSpec): Promise<string[]> {
    if (this.groupMap.has(spec.name)) throw new AwsError('AlreadyExists', `AutoScalingGroup by this name already exists - A group with the name ${spec.name} already exists`);
    const group: FakeGroup = {
      name: spec.name,
      arn: `arn:aws:autoscaling:${this.region}:${this.accountId}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${spec.name}`,
      tags: { ...spec.tags },
      min: spec.min ?? 0,
      max: spec.max ?? Math.max(spec.desired, 100),
      availabilityZones: spec.availabilityZones ?? ['a', 'b', 'c'].map((z) => `${this.region}${z}`),
      instanceType: spec.instanceType ?? 't3.medium',
      spot: spec.spot ?? false,
      hooks: [...(spec.hooks ?? [])],
      virtual: spec.virtual ?? false,
      createdTime: new Date(this.now()),
      desired: 0,
      instanceIds: [],
      warmPool: undefined,
      warmIds: [],
      suspended: new Map(),
    };
    group.warmPool = spec.warmPool === undefined ? undefined : warmPoolOf(group, spec.warmPool);
    assertDesired(group, spec.desired);
    this.groupMap.set(group.name, group);
    group.desired = spec.desired;
    const { entered, warmed } = this.reconcile(group);
    const [ids] = await Promise.all([entered, warmed]);
    return ids;
  }

  /**
   * Scales out (resolves with the ids that entered the group, from the warm pool first, once up) or
   * in (newest InService first; back to the warm pool when its reuse policy says so).
   * Not async: a bad request throws at once, so the API can answer with the error.
   */
  setDesiredCapacity(groupName: string, desired: number): Promise<string[]> {
    const group = this.requireGroup(groupName);
    assertDesired(group, desired);
    group.desired = desired;
    const { entered, warmed } = this.reconcile(group);
    warmed.catch(reportedAlready);
    return entered;
  }

  /** PutWarmPool: creates or updates the group's warm pool; resolves with the ids launched into it, once launched. */
  putWarmPool(groupName: string, spec: WarmPoolSpec): Promise<string[]> {
    const group = this.requireGroup(groupName);
    if (group.warmPool?.status === 'PendingDelete') {
      throw new AwsError('ValidationError', `The warm pool of Auto Scaling group ${groupName} is being deleted; wait until it is gone.`);
    }
    group.warmPool = warmPoolOf(group, spec);
    const { entered, warmed } = this.reconcile(group);
    entered.catch(reportedAlready);
    return warmed;
  }

  /**
   * DeleteWarmPool. Without force the pool is PendingDelete while its instances terminate (their
   * terminating hooks apply); ForceDelete "deletes the warm pool along with all of its associated
   * instances, without waiting for all instances to be terminated" and drops their lifecycle actions.
   */
  deleteWarmPool(groupName: string, opts: { force: boolean }): void {
    const group = this.requireGroup(groupName);
    const pool = group.warmPool;
    if (pool === undefined) throw new AwsError('ValidationError', `No warm pool found for Auto Scaling group ${groupName}.`);
    if (opts.force) {
      group.warmPool = undefined;
      for (const instance of this.poolOf(group)) {
        if (!isWarmTerminating(instance.lifecycleState)) this.beginPoolTermination(instance, { hooks: false });
      }
      return;
    }
    pool.status = 'PendingDelete';
    this.reconcileInBackground(group);
  }

  /** TerminateInstanceInAutoScalingGroup: through the terminating hooks; resolves with any replacement ids. Throws at once on a bad request. */
  terminateInstance(instanceId: string, opts: { decrement: boolean }): Promise<string[]> {
    const { instance, group } = this.requireMember(instanceId);
    if (isTerminating(instance.lifecycleState) || isWarmTerminating(instance.lifecycleState)) {
      throw new AwsError('ValidationError', `The instance ${instanceId} is already terminating.`);
    }
    if (isWarm(instance.lifecycleState)) {
      // A warm pool instance does not count toward the desired capacity: the pool replaces it.
      this.beginPoolTermination(instance, { hooks: true });
      return this.reconcile(group).entered;
    }
    if (opts.decrement) {
      if (group.desired <= group.min) {
        throw new AwsError('ValidationError', `Currently, desiredSize equals minSize (${group.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`);
      }
      group.desired -= 1;
    }
    this.beginTermination(instance);
    return this.reconcile(group).entered;
  }

  /**
   * An Unhealthy instance is replaced once InService (or warmed in the pool), as the ASG's health
   * check would; with ReplaceUnhealthy suspended it stays, marked, until the process is resumed.
   */
  setInstanceHealth(instanceId: string, health: 'Healthy' | 'Unhealthy'): Promise<string[]> {
    const { instance, group } = this.requireMember(instanceId);
    instance.health = health;
    if (group.suspended.has('ReplaceUnhealthy')) return Promise.resolve([]);
    if (health === 'Unhealthy' && isWarmed(instance.lifecycleState)) {
      this.beginPoolTermination(instance, { hooks: true });
      return this.reconcile(group).entered;
    }
    if (health === 'Unhealthy' && instance.lifecycleState === 'InService') {
      this.beginTermination(instance);
      return this.reconcile(group).entered;
    }
    return Promise.resolve([]);
  }

  /**
   * Kill without hooks: EC2 `terminated` at once, out of its group, not replaced (desired drops by
   * one; a warm pool instance does not count toward it). The host's kill is the lab's own business.
   */
  crash(instanceId: string): void {
    const instance = this.requireInstance(instanceId);
    if (instance.ec2State === 'terminated') return;
    this.actions.cancel(instanceId);
    const group = this.groupOf(instance);
    const counted = group?.instanceIds.includes(instanceId) === true && !isTerminating(instance.lifecycleState);
    if (group !== undefined && counted) group.desired = Math.max(0, group.desired - 1);
    this.leaveGroup(instance);
  }

  /**
   * A Spot interruption notice: IMDS spot/instance-action answers with the action and its time (two
   * minutes ahead on AWS; `inMs` shortens it for tests). "Before interrupting an instance, Amazon EC2
   * always gives both an EC2 instance rebalance recommendation and a Spot two-minute instance
   * interruption notice" (Capacity Rebalancing guide), so a rebalance notice comes with it if none
   * came before. At the time EC2 carries the action out; the group, whose health check then finds
   * the instance not running, replaces it (Capacity Rebalancing is not modelled).
   */
  interruptSpot(instanceId: string, opts: { action?: SpotAction; inMs?: number } = {}): { action: SpotAction; time: Date } {
    const instance = this.requireSpot(instanceId);
    const action = opts.action ?? 'terminate';
    const spotAction = { action, time: new Date(this.now() + (opts.inMs ?? 120_000)) };
    instance.spotAction = spotAction;
    instance.rebalanceNotice ??= new Date(this.now());
    this.at(spotAction.time, () => {
      if (instance.spotAction !== spotAction) return;
      if (action === 'terminate') void this.ec2Terminate(instance);
      else void this.ec2Stop(instance, action === 'hibernate' ? 'hibernate' : 'stop');
    });
    return spotAction;
  }

  /**
   * An EC2 instance rebalance recommendation (IMDS events/recommendations/rebalance). AWS sends it
   * to Spot Instances only: "a signal that notifies you when a Spot Instance is at elevated risk of
   * interruption". Nothing else happens: Capacity Rebalancing is not modelled.
   */
  recommendRebalance(instanceId: string): Date {
    const instance = this.requireSpot(instanceId);
    instance.rebalanceNotice = new Date(this.now());
    return instance.rebalanceNotice;
  }

  /**
   * Schedules an EC2 event for the instance, carried out at its NotBefore (`inMs` from now, default
   * now). An ASG instance "affected by a scheduled event" is considered unhealthy at once and
   * replaced, but "doesn't start terminating until the date and time specified" (ASG health checks
   * guide): at NotBefore the group starts terminating it (its terminating hook applies) while EC2
   * carries the event out. The event then stays listed, completed.
   */
  scheduleEvent(instanceId: string, code: ScheduledEventCode, opts: { inMs?: number; description?: string; maintenanceMs?: number } = {}): ScheduledEvent {
    const instance = this.requireInstance(instanceId);
    if (instance.ec2State === 'terminated' || instance.ec2State === 'shutting-down') {
      throw new AwsError('IncorrectInstanceState', `The instance '${instanceId}' is not in a state from which an event can be scheduled.`);
    }
    const event = newScheduledEvent(code, new Date(this.now() + (opts.inMs ?? 0)), opts.description);
    instance.events.push(event);
    const group = this.groupOf(instance);
    if (instance.lifecycleState === 'InService' && group?.suspended.has('HealthCheck') !== true) instance.health = 'Unhealthy';
    this.at(event.notBefore, () => void this.carryOut(instance, event, opts.maintenanceMs ?? 10_000));
    return event;
  }

  /** Cancels an active event (it stays listed, canceled); the instance is healthy again if no other event is active. */
  cancelEvent(instanceId: string, eventId: string): void {
    const instance = this.requireInstance(instanceId);
    const event = instance.events.find((e) => e.eventId === eventId);
    if (event === undefined) throw new AwsError('InvalidInstanceEventID.NotFound', `The event ID '${eventId}' does not exist`);
    if (event.state !== 'active') return;
    settleEvent(event, 'canceled');
    if (instance.lifecycleState === 'InService' && !instance.events.some((e) => e.state === 'active')) instance.health = 'Healthy';
  }

  /** EC2 CreateTags on instances: adds or overwrites. */
  createTags(instanceIds: string[], tags: Record<string, string>): void {
    const instances = instanceIds.map((id) => this.requireEc2Instance(id));
    for (const [key, value] of Object.entries(tags)) {
      assertUserTagKey(key);
      if (value.length > 256) throw new AwsError('InvalidParameterValue', `Value ( ${value.slice(0, 40)}... ) for parameter value is invalid. Tag values accept a maximum of 256 characters`);
    }
    for (const instance of instances) {
      const merged = { ...instance.tags, ...tags };
      if (userTagCount(merged) > MAX_TAGS) {
        throw new AwsError('TagLimitExceeded', `The maximum number of tags (${MAX_TAGS}) for resource '${instance.instanceId}' has been reached.`);
      }
    }
    for (const instance of instances) Object.assign(instance.tags, tags);
  }

  /**
   * EC2 DeleteTags on instances: a key alone deletes it whatever its value, a key with a value only
   * if the value matches; no tags at all deletes every user tag (never the aws: ones).
   */
  deleteTags(instanceIds: string[], tags: { key: string; value?: string }[] | undefined): void {
    const instances = instanceIds.map((id) => this.requireEc2Instance(id));
    for (const tag of tags ?? []) assertUserTagKey(tag.key);
    for (const instance of instances) {
      for (const [key, value] of Object.entries(instance.tags)) {
        const doomed = tags === undefined ? !isAwsTag(key) : tags.some((t) => t.key === key && (t.value === undefined || t.value === value));
        if (doomed) delete instance.tags[key];
      }
    }
  }

  recordLifecycleActionHeartbeat(groupName: string, ref: ActionRef): void {
    this.requireGroup(groupName);
    this.actions.heartbeat(this.scoped(groupName, ref));
  }

  completeLifecycleAction(groupName: string, ref: ActionRef, result: LifecycleResult): void {
    this.requireGroup(groupName);
    if (result !== 'CONTINUE' && result !== 'ABANDON') {
      throw new AwsError('ValidationError', `LifecycleActionResult must be CONTINUE or ABANDON, not ${String(result)}`);
    }
    this.actions.complete(this.scoped(groupName, ref), result);
  }

  /**
   * SuspendProcesses (all of them when `processes` is empty). "You might choose to suspend the
   * HealthCheck and ReplaceUnhealthy processes to reboot instances without Amazon EC2 Auto Scaling
   * terminating the instances based on its health checks" (suspend-resume considerations): with
   * HealthCheck suspended, EC2's findings (stopped, scheduled events) mark nothing; with
   * ReplaceUnhealthy suspended, Unhealthy instances are kept. The other processes are recorded only.
   */
  suspendProcesses(groupName: string, processes: readonly ScalingProcess[]): void {
    const group = this.requireGroup(groupName);
    for (const process of processes.length === 0 ? SCALING_PROCESSES : processes) if (!group.suspended.has(process)) group.suspended.set(process, new Date(this.now()));
  }

  /** ResumeProcesses; a resumed ReplaceUnhealthy replaces the instances marked Unhealthy meanwhile. */
  resumeProcesses(groupName: string, processes: readonly ScalingProcess[]): void {
    const group = this.requireGroup(groupName);
    for (const process of processes.length === 0 ? SCALING_PROCESSES : processes) group.suspended.delete(process);
    if (group.suspended.has('ReplaceUnhealthy')) return;
    for (const id of [...group.instanceIds, ...group.warmIds]) {
      if (this.instance(id)?.health === 'Unhealthy') void this.setInstanceHealth(id, 'Unhealthy').catch(reportedAlready);
    }
  }

  /** How each hook's action ended (completed or timed out, with which result), optionally for one instance. */
  lifecycleOutcomes(instanceId?: string): ActionOutcome[] {
    return this.actions.outcomes.filter((o) => instanceId === undefined || o.instanceId === instanceId);
  }

  lifecycleActionToken(instanceId: string, hookName: string): string | undefined {
    return this.actions.tokenOf(instanceId, hookName);
  }

  instance(instanceId: string): FakeInstance | undefined {
    return this.instanceMap.get(instanceId);
  }

  instances(): FakeInstance[] {
    return [...this.instanceMap.values()];
  }

  instanceByIp(privateIp: string): FakeInstance | undefined {
    return this.instances().find((i) => i.privateIp === privateIp && i.ec2State !== 'terminated');
  }

  group(name: string): FakeGroup | undefined {
    return this.groupMap.get(name);
  }

  groups(): FakeGroup[] {
    return [...this.groupMap.values()];
  }

  parameter(name: string): StoredParameter | undefined {
    return this.parameters.get(name);
  }

  // S3 and AWS-like throttling, for the lab and tests:
  // - createBucket(name, { versioning?, kmsKeyId? }): a bucket, SSE-S3 by default or SSE-KMS with
  //   that key by default; objects reach it over the wire (s3-api.ts: PutObject, GetObject,
  //   HeadObject, DeleteObject, ListObjectsV2, HeadBucket), path-style or virtual-hosted.
  // - bucketObjects(name, prefix?) lists the live objects, objectVersions(name, key?) every version
  //   and delete marker (newest first), readObject(name, key, versionId?) the plaintext of one;
  //   `s3` is the store itself (stored bytes, SSE details).
  // - throttleLikeAws({ scale }) installs AWS's default throttling per API family
  //   (aws-throttle.ts); calls().throttled and calls().throttledByApi count the throttled calls.

  /** A bucket, as the lab's stack would create it (not through the API). Throws on a taken or invalid name. */
  createBucket(name: string, opts: BucketOptions = {}): FakeBucket {
    return this.s3.createBucket(name, opts);
  }

  /** The live objects of a bucket under `prefix`, in listing order, as ListObjectsV2 would show them. */
  bucketObjects(bucket: string, prefix = ''): S3Version[] {
    return this.s3.liveObjects(bucket, prefix);
  }

  /** Every version and delete marker of a key (or of the whole bucket), newest first. */
  objectVersions(bucket: string, key?: string): S3Version[] {
    return this.s3.versions(bucket, key);
  }

  /** An object's plaintext (decrypted if SSE-KMS), without going through the API or its faults. */
  readObject(bucket: string, key: string, versionId?: string): Buffer {
    return this.s3.open(this.s3.find(bucket, key, versionId), () => undefined);
  }

  /** AWS's default throttling, per API family, scaled for the lab (e.g. { scale: 0.1 }); see aws-throttle.ts. */
  throttleLikeAws(opts: AwsThrottleOptions = {}): AwsThrottle {
    return this.faults.throttleLikeAws({ region: this.region, ...opts });
  }

  /** Credentials the fake IMDS serves to an instance; calls signed with them count as that instance's. */
  instanceCredentials(instanceId: string): { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date } {
    return {
      accessKeyId: `${INSTANCE_KEY_PREFIX}${instanceId}`,
      secretAccessKey: randomBytes(20).toString('hex'),
      sessionToken: randomBytes(32).toString('base64'),
      expiration: new Date(this.now() + 6 * 3600_000),
    };
  }

  /** The caller an access key stands for: its instance id for instance credentials, else the key itself. */
  callerOf(accessKeyId: string): { caller: string; instanceId: string | undefined } {
    const instanceId = accessKeyId.startsWith(INSTANCE_KEY_PREFIX) ? accessKeyId.slice(INSTANCE_KEY_PREFIX.length) : undefined;
    if (instanceId !== undefined && this.instanceMap.has(instanceId)) return { caller: instanceId, instanceId };
    return { caller: accessKeyId, instanceId: undefined };
  }

  recordCall(api: string, caller: string): void {
    this.counter.record(api, caller);
  }

  recordRejection(): void {
    this.counter.reject();
  }

  /** A recorded, rejected call was throttled. */
  recordThrottle(api: string): void {
    this.counter.throttle(api);
  }

  calls(): CallStats {
    return this.counter.snapshot();
  }

  resetCalls(): void {
    this.counter.reset();
  }

  /** Resolves once `predicate` holds, checked on every transition and every few ms; rejects after `timeoutMs`. */
  waitFor(predicate: (cloud: FakeCloud) => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this)) return;
        cleanup();
        resolve();
      };
      const poll = setInterval(check, WAIT_POLL_MS);
      const deadline = setTimeout(() => {
        cleanup();
        reject(new Error(`FakeCloud.waitFor: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearInterval(poll);
        clearTimeout(deadline);
        this.events.off('transition', check);
      };
      this.events.on('transition', check);
      check();
    });
  }

  /** Stops every lifecycle timer; the cloud makes no further transitions on its own. */
  close(): void {
    this.closed = true;
    this.actions.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Brings the group to its desired capacity (from the warm pool first: a "warm start"; launching
   * directly only when the pool has no warmed instance, a "cold start") and the pool to its size.
   */
  private reconcile(group: FakeGroup): { entered: Promise<string[]>; warmed: Promise<string[]> } {
    const active = this.membersOf(group).filter((i) => !isTerminating(i.lifecycleState));
    const entering: Promise<string>[] = [];
    if (active.length > group.desired) {
      const newestFirst = [...active].sort((a, b) => scaleInRank(b) - scaleInRank(a));
      const reuse = group.warmPool?.reuseOnScaleIn === true && group.warmPool.status === undefined;
      for (const instance of newestFirst.slice(0, active.length - group.desired)) {
        if (reuse && instance.lifecycleState === 'InService') this.returnToPool(instance, group);
        else this.beginTermination(instance);
      }
    } else {
      let missing = group.desired - active.length;
      const warmed = this.poolOf(group)
        .filter((i) => isWarmed(i.lifecycleState) && i.health === 'Healthy')
        .sort((a, b) => a.seq - b.seq);
      for (const instance of warmed.slice(0, missing)) {
        entering.push(this.startFromPool(instance, group));
        missing -= 1;
      }
      for (let n = 0; n < missing; n += 1) entering.push(this.launch(group, active, 'group'));
    }
    return { entered: Promise.all(entering), warmed: this.fillWarmPool(group) };
  }

  /** Launches into the pool up to its size, or terminates warmed instances beyond it (newest first). */
  private fillWarmPool(group: FakeGroup): Promise<string[]> {
    const pool = this.poolOf(group).filter((i) => !isWarmTerminating(i.lifecycleState));
    const size = warmPoolSize(group);
    if (pool.length > size) {
      const surplus = pool.filter((i) => isWarmed(i.lifecycleState)).sort((a, b) => b.seq - a.seq);
      for (const instance of surplus.slice(0, pool.length - size)) this.beginPoolTermination(instance, { hooks: true });
    }
    if (group.warmPool?.status === 'PendingDelete' && group.warmIds.length === 0) group.warmPool = undefined;
    const siblings = [...this.membersOf(group), ...pool];
    return Promise.all(Array.from({ length: Math.max(0, size - pool.length) }, () => this.launch(group, siblings, 'pool')));
  }

  private async launch(group: FakeGroup, siblings: FakeInstance[], into: 'group' | 'pool'): Promise<string> {
    const seq = ++this.launchSeq;
    const initial: LifecycleState = into === 'group' ? 'Pending' : 'Warmed:Pending';
    const instance: FakeInstance = {
      instanceId: `i-0${randomBytes(8).toString('hex')}`,
      privateIp: this.allocateIp({ virtual: group.virtual }),
      availabilityZone: this.leastUsedZone(group, siblings),
      instanceType: group.instanceType,
      lifecycle: group.spot ? 'spot' : 'on-demand',
      virtual: group.virtual,
      launchTime: new Date(this.now()),
      launchedBy: group.name,
      seq,
      asgName: group.name,
      lifecycleState: initial,
      ec2State: 'pending',
      health: 'Healthy',
      spotAction: undefined,
      warmedTo: into === 'pool' ? group.warmPool?.poolState : undefined,
      // Tags propagate at launch: later changes to the group's tags do not reach running instances.
      tags: { ...group.tags, 'aws:autoscaling:groupName': group.name },
      rebalanceNotice: undefined,
      transitionAt: undefined,
      events: [],
    };
    siblings.push(instance);
    this.instanceMap.set(instance.instanceId, instance);
    (into === 'group' ? group.instanceIds : group.warmIds).push(instance.instanceId);
    this.emitTransition(instance.instanceId, null, initial);
    const spec: LaunchSpec = {
      instanceId: instance.instanceId,
      privateIp: instance.privateIp,
      asgName: group.name,
      availabilityZone: instance.availabilityZone,
      instanceType: instance.instanceType,
      lifecycle: instance.lifecycle,
      virtual: instance.virtual,
    };
    try {
      await this.hostOp(instance, (host) => host.launch(spec));
    } catch (error) {
      this.events.emit('host-error', { instanceId: instance.instanceId, error });
      this.leaveGroup(instance);
      throw error;
    }
    if (instance.lifecycleState !== initial) return instance.instanceId;
    instance.ec2State = 'running';
    if (into === 'group') {
      this.awaitLaunchHooks(instance, group);
      return instance.instanceId;
    }
    const hooks = group.hooks.filter((h) => h.transition === 'launching');
    if (hooks.length > 0 && !this.closed) {
      this.setState(instance, 'Warmed:Pending:Wait');
      this.actions.start(instance.instanceId, 'launching', hooks);
    } else {
      void this.settleInPool(instance);
    }
    return instance.instanceId;
  }

  /** Pending -> Pending:Wait (launching hooks) or straight InService. */
  private awaitLaunchHooks(instance: FakeInstance, group: FakeGroup): void {
    const hooks = group.hooks.filter((h) => h.transition === 'launching');
    if (hooks.length > 0 && !this.closed) {
      this.setState(instance, 'Pending:Wait');
      this.actions.start(instance.instanceId, 'launching', hooks);
    } else {
      this.enterService(instance);
    }
  }

  /**
   * A warm start: the pool instance joins the group (Pending, counted toward desired), is started
   * if stopped or hibernated, then "when your Auto Scaling group scales out, Amazon EC2 Auto
   * Scaling puts one or more warm pool instances into a wait state (Pending:Wait) before the
   * instances transition into the InService state": the launching hooks apply again.
   */
  private async startFromPool(instance: FakeInstance, group: FakeGroup): Promise<string> {
    group.warmIds = group.warmIds.filter((id) => id !== instance.instanceId);
    group.instanceIds.push(instance.instanceId);
    instance.warmedTo = undefined;
    this.setState(instance, 'Pending');
    if (instance.ec2State === 'stopped') {
      instance.ec2State = 'pending';
      try {
        await this.hostOp(instance, (host) => host.start(instance.instanceId));
      } catch (error) {
        this.events.emit('host-error', { instanceId: instance.instanceId, error });
        this.leaveGroup(instance);
        throw error;
      }
      if (instance.lifecycleState !== 'Pending') return instance.instanceId;
      instance.ec2State = 'running';
    }
    this.awaitLaunchHooks(instance, group);
    return instance.instanceId;
  }

  /**
   * Scale-in with ReuseOnScaleIn: the instance goes back to the pool instead of terminating. Per the
   * warm pool lifecycle guide it "pauses to perform a custom action at the Warmed:Pending:Wait state
   * for the EC2_INSTANCE_TERMINATING lifecycle action": the terminating hooks, not the launching ones.
   */
  private returnToPool(instance: FakeInstance, group: FakeGroup): void {
    this.actions.cancel(instance.instanceId);
    group.instanceIds = group.instanceIds.filter((id) => id !== instance.instanceId);
    group.warmIds.push(instance.instanceId);
    instance.warmedTo = group.warmPool?.poolState ?? 'Stopped';
    this.setState(instance, 'Warmed:Pending');
    const hooks = group.hooks.filter((h) => h.transition === 'terminating');
    if (hooks.length > 0 && !this.closed) {
      this.setState(instance, 'Warmed:Pending:Wait');
      this.actions.start(instance.instanceId, 'terminating', hooks);
    } else {
      void this.settleInPool(instance);
    }
  }

  /** The end of Warmed:Pending*: stopped or hibernated on the host unless the pool keeps it running. */
  private async settleInPool(instance: FakeInstance): Promise<void> {
    const to = instance.warmedTo ?? 'Stopped';
    const entering = instance.lifecycleState;
    if (to !== 'Running' && instance.ec2State === 'running') {
      instance.ec2State = 'stopping';
      await this.hostOp(instance, (host) => host.stop(instance.instanceId, to === 'Hibernated' ? 'hibernate' : 'stop')).catch((error: unknown) => {
        this.events.emit('host-error', { instanceId: instance.instanceId, error });
      });
      // Force-deleted (or crashed) while stopping: whatever happened since wins.
      if (instance.lifecycleState !== entering || instance.ec2State !== 'stopping') return;
      instance.ec2State = 'stopped';
    }
    this.setState(instance, `Warmed:${to}`);
    const group = this.groupOf(instance);
    // The pool may be over its size now (cold starts while this one was still pending), or being deleted.
    if (group !== undefined) this.reconcileInBackground(group);
  }

  private onActionsDone(instanceId: string, transition: HookTransition, result: LifecycleResult): void {
    const instance = this.requireInstance(instanceId);
    switch (instance.lifecycleState) {
      case 'Pending:Wait':
        if (result === 'CONTINUE') {
          this.setState(instance, 'Pending:Proceed');
          this.enterService(instance);
        } else {
          // An abandoned launch is terminated without terminating hooks, and the group replaces it.
          this.setState(instance, 'Terminating');
          void this.finishTermination(instance);
          const group = this.groupOf(instance);
          if (group !== undefined) this.reconcileInBackground(group);
        }
        return;
      case 'Warmed:Pending:Wait':
        // A terminating hook here is an instance returning to the pool: either result lets it in.
        if (transition === 'terminating' || result === 'CONTINUE') {
          this.setState(instance, 'Warmed:Pending:Proceed');
          void this.settleInPool(instance);
        } else {
          this.beginPoolTermination(instance, { hooks: false });
        }
        return;
      case 'Warmed:Terminating:Wait':
        void this.finishPoolTermination(instance);
        return;
      default:
        void this.finishTermination(instance);
    }
  }

  private enterService(instance: FakeInstance): void {
    this.setState(instance, 'InService');
    if (instance.health === 'Unhealthy') void this.setInstanceHealth(instance.instanceId, 'Unhealthy').catch(reportedAlready);
  }

  private beginTermination(instance: FakeInstance): void {
    this.actions.cancel(instance.instanceId);
    this.setState(instance, 'Terminating');
    const group = this.requireGroup(instance.launchedBy);
    const hooks = group.hooks.filter((h) => h.transition === 'terminating');
    if (hooks.length > 0 && !this.closed) {
      this.setState(instance, 'Terminating:Wait');
      this.actions.start(instance.instanceId, 'terminating', hooks);
    } else {
      void this.finishTermination(instance);
    }
  }

  private async finishTermination(instance: FakeInstance): Promise<void> {
    this.setState(instance, 'Terminating:Proceed');
    await this.shutDown(instance);
    this.leaveGroup(instance);
  }

  /** A pool instance leaves through Warmed:Terminating(:Wait with terminating hooks) to Warmed:Terminated. */
  private beginPoolTermination(instance: FakeInstance, opts: { hooks: boolean }): void {
    this.actions.cancel(instance.instanceId);
    this.setState(instance, 'Warmed:Terminating');
    const hooks = this.groupOf(instance)?.hooks.filter((h) => h.transition === 'terminating') ?? [];
    if (opts.hooks && hooks.length > 0 && !this.closed) {
      this.setState(instance, 'Warmed:Terminating:Wait');
      this.actions.start(instance.instanceId, 'terminating', hooks);
    } else {
      void this.finishPoolTermination(instance);
    }
  }

  private async finishPoolTermination(instance: FakeInstance): Promise<void> {
    this.setState(instance, 'Warmed:Terminating:Proceed');
    await this.shutDown(instance);
    const group = this.groupOf(instance);
    this.leaveGroup(instance);
    if (group !== undefined) this.reconcileInBackground(group);
  }

  /** EC2 shutting-down, then the host tears the instance down (after whatever it was doing to it). */
  private async shutDown(instance: FakeInstance): Promise<void> {
    instance.ec2State = 'shutting-down';
    instance.transitionAt = new Date(this.now());
    await this.hostOp(instance, (host) => host.terminate(instance.instanceId)).catch((error: unknown) => {
      this.events.emit('host-error', { instanceId: instance.instanceId, error });
    });
  }

  /**
   * EC2 terminates the instance itself (a Spot interruption). No lifecycle hook can hold it: "a
   * lifecycle hook does not prevent an instance from terminating in the event that capacity is no
   * longer available" (lifecycle hooks guide). The group then finds it gone and replaces it.
   */
  private async ec2Terminate(instance: FakeInstance): Promise<void> {
    if (this.closed || instance.ec2State === 'terminated' || instance.ec2State === 'shutting-down') return;
    this.actions.cancel(instance.instanceId);
    const group = this.groupOf(instance);
    if (group?.instanceIds.includes(instance.instanceId) === true) {
      this.setState(instance, 'Terminating');
      this.setState(instance, 'Terminating:Proceed');
    }
    await this.shutDown(instance);
    this.leaveGroup(instance);
    if (group !== undefined) this.reconcileInBackground(group);
  }

  /**
   * EC2 stops (or hibernates) a running instance: a scheduled instance-stop or retirement, a Spot
   * stop. "If Amazon EC2 Auto Scaling detects that an instance is no longer in the running state,
   * this situation is treated as an immediate failure" (health checks guide): an InService instance
   * is marked Unhealthy and replaced, its terminating hooks applying as to any replacement.
   */
  private async ec2Stop(instance: FakeInstance, how: PowerOff): Promise<void> {
    if (this.closed || instance.ec2State !== 'running') return;
    instance.ec2State = 'stopping';
    instance.transitionAt = new Date(this.now());
    // Queued first: the group's replacement then terminates a stopped instance, not the reverse.
    const stopped = this.hostOp(instance, (host) => host.stop(instance.instanceId, how)).catch(this.hostErrorOf(instance));
    const group = this.groupOf(instance);
    if (group !== undefined && instance.lifecycleState === 'InService') this.replaceUnhealthy(instance, group);
    await stopped;
    if (instance.ec2State === 'stopping') instance.ec2State = 'stopped';
  }

  /** A scheduled event at its NotBefore: the group starts replacing the instance, EC2 does the event. */
  private async carryOut(instance: FakeInstance, event: ScheduledEvent, maintenanceMs: number): Promise<void> {
    if (this.closed || event.state !== 'active') return;
    const group = this.groupOf(instance);
    const replace = group !== undefined && instance.lifecycleState === 'InService';
    const running = instance.ec2State === 'running';
    switch (event.code) {
      case 'instance-stop':
      case 'instance-retirement':
        // Lab instances are EBS-backed: retirement stops them (an instance-store one would terminate).
        await this.ec2Stop(instance, 'stop');
        break;
      case 'instance-reboot':
      case 'system-reboot': {
        // The reboot is queued before the replacement's terminate; the boot after it already sees the Terminated target.
        const rebooted = running ? this.hostOp(instance, (host) => host.reboot(instance.instanceId)).catch(this.hostErrorOf(instance)) : undefined;
        if (replace) this.replaceUnhealthy(instance, group);
        await rebooted;
        break;
      }
      case 'system-maintenance': {
        const cut = running ? this.hostOp(instance, (host) => host.partition(instance.instanceId, true)).catch(this.hostErrorOf(instance)) : undefined;
        if (replace) this.replaceUnhealthy(instance, group);
        if (cut !== undefined) {
          await cut;
          await new Promise((resolve) => setTimeout(resolve, maintenanceMs).unref());
          await this.hostOp(instance, (host) => host.partition(instance.instanceId, false)).catch(this.hostErrorOf(instance));
        }
        break;
      }
    }
    if (event.state === 'active') settleEvent(event, 'completed');
  }

  /**
   * The group's EC2 health check found an InService instance unhealthy: terminate (hooks apply) and
   * replace it, unless HealthCheck (nothing is marked) or ReplaceUnhealthy (kept, marked) is suspended.
   */
  private replaceUnhealthy(instance: FakeInstance, group: FakeGroup): void {
    if (group.suspended.has('HealthCheck')) return;
    instance.health = 'Unhealthy';
    if (group.suspended.has('ReplaceUnhealthy')) return;
    this.beginTermination(instance);
    this.reconcileInBackground(group);
  }

  private hostErrorOf(instance: FakeInstance): (error: unknown) => void {
    return (error) => this.events.emit('host-error', { instanceId: instance.instanceId, error });
  }

  /**
   * Runs `op` on the host after every earlier operation on the same instance (launch, stop, start,
   * reboot, terminate never overlap on one instance). Virtual instances have no host.
   */
  private hostOp(instance: FakeInstance, op: (host: InstanceHost) => Promise<void>): Promise<void> {
    const host = this.host;
    if (instance.virtual || host === undefined) return Promise.resolve();
    const previous = this.hostQueue.get(instance.instanceId) ?? Promise.resolve();
    const run = previous.then(() => op(host));
    this.hostQueue.set(instance.instanceId, run.catch(reportedAlready));
    return run;
  }

  /** Runs `action` at `time` (at once if past), unless the cloud is closed by then. */
  private at(time: Date, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) action();
    }, Math.max(0, time.getTime() - this.now()));
    timer.unref();
    this.timers.add(timer);
  }

  private leaveGroup(instance: FakeInstance): void {
    const group = this.groupOf(instance);
    const warm = isWarm(instance.lifecycleState);
    if (group !== undefined) {
      group.instanceIds = group.instanceIds.filter((id) => id !== instance.instanceId);
      group.warmIds = group.warmIds.filter((id) => id !== instance.instanceId);
    }
    instance.asgName = undefined;
    if (instance.ec2State !== 'shutting-down') instance.transitionAt = new Date(this.now());
    instance.ec2State = 'terminated';
    this.setState(instance, warm ? 'Warmed:Terminated' : 'Terminated');
  }

  private reconcileInBackground(group: FakeGroup): void {
    // Launch failures are already reported as 'host-error' events.
    const { entered, warmed } = this.reconcile(group);
    entered.catch(reportedAlready);
    warmed.catch(reportedAlready);
  }

  private membersOf(group: FakeGroup): FakeInstance[] {
    return group.instanceIds.map((id) => this.requireInstance(id));
  }

  private poolOf(group: FakeGroup): FakeInstance[] {
    return group.warmIds.map((id) => this.requireInstance(id));
  }

  private groupOf(instance: FakeInstance): FakeGroup | undefined {
    return instance.asgName === undefined ? undefined : this.groupMap.get(instance.asgName);
  }

  private setState(instance: FakeInstance, to: LifecycleState): void {
    const from = instance.lifecycleState;
    if (from === to) return;
    instance.lifecycleState = to;
    this.emitTransition(instance.instanceId, from, to);
  }

  private emitTransition(instanceId: string, from: LifecycleState | null, to: LifecycleState): void {
    const event: TransitionEvent = { instanceId, from, to };
    this.events.emit('transition', event);
  }

  private leastUsedZone(group: FakeGroup, siblings: FakeInstance[]): string {
    const load = (zone: string): number => siblings.filter((i) => i.availabilityZone === zone).length;
    return group.availabilityZones.reduce((best, zone) => (load(zone) < load(best) ? zone : best));
  }

  /** A lifecycle action is addressed within its group: an instance of another group has none there. */
  private scoped(groupName: string, ref: ActionRef): ActionRef {
    if (ref.instanceId !== undefined && this.instanceMap.get(ref.instanceId)?.asgName !== groupName) {
      throw new AwsError('ValidationError', `No active Lifecycle Action found with instance ID ${ref.instanceId}`);
    }
    return ref;
  }

  requireGroup(name: string): FakeGroup {
    const group = this.groupMap.get(name);
    if (group === undefined) throw new AwsError('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup '${name}' not found`);
    return group;
  }

  requireInstance(instanceId: string): FakeInstance {
    const instance = this.instanceMap.get(instanceId);
    if (instance === undefined) throw new AwsError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    return instance;
  }

  private requireMember(instanceId: string): { instance: FakeInstance; group: FakeGroup } {
    const instance = this.requireInstance(instanceId);
    const group = this.groupOf(instance);
    if (group === undefined) throw new AwsError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    return { instance, group };
  }

  /** An instance as EC2 (not Auto Scaling) names it: InvalidInstanceID.Malformed / .NotFound. */
  private requireEc2Instance(instanceId: string): FakeInstance {
    if (!/^i-[0-9a-f]{8,17}$/.test(instanceId)) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}" (expecting "i-...")`);
    const instance = this.instanceMap.get(instanceId);
    if (instance === undefined) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    return instance;
  }

  private requireSpot(instanceId: string): FakeInstance {
    const instance = this.requireInstance(instanceId);
    if (instance.lifecycle !== 'spot') throw new Error(`${instanceId} is an On-Demand instance: EC2 sends interruption notices and rebalance recommendations to Spot Instances only`);
    if (instance.ec2State === 'terminated' || instance.ec2State === 'shutting-down') throw new Error(`${instanceId} is ${instance.ec2State}`);
    return instance;
  }
}

function assertDesired(group: FakeGroup, desired: number): void {
  if (!Number.isInteger(desired) || desired < group.min || desired > group.max) {
    const bound = desired < group.min ? `below min value ${group.min}` : `above max value ${group.max}`;
    throw new AwsError('ValidationError', `New SetDesiredCapacity value ${desired} is ${bound} for the AutoScalingGroup.`);
  }
}

/** A failure already reported as a 'host-error' event: nobody else needs to hear of it. */
function reportedAlready(): void {}

function isAwsTag(key: string): boolean {
  return key.toLowerCase().startsWith('aws:');
}

function userTagCount(tags: Record<string, string>): number {
  return Object.keys(tags).filter((key) => !isAwsTag(key)).length;
}

/** Tag keys: up to 127 characters, and "may not begin with aws:" (CreateTags/DeleteTags reference). */
function assertUserTagKey(key: string): void {
  if (isAwsTag(key)) {
    throw new AwsError('InvalidParameterValue', `Value ( ${key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use`);
  }
  if (key.length === 0 || key.length > 127) {
    throw new AwsError('InvalidParameterValue', `Value ( ${key} ) for parameter key is invalid. Tag keys must be between 1 and 127 characters`);
  }
}

export function isTerminating(state: LifecycleState): boolean {
  return state.startsWith('Terminat');
}

/** Scale-in order: InService instances before the others, newest first within each. */
function scaleInRank(instance: FakeInstance): number {
  return (instance.lifecycleState === 'InService' ? 1e9 : 0) + instance.seq;
}
