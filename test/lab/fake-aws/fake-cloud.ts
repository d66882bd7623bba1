import { EventEmitter } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from './aws-error.js';
import { CallCounter, type CallStats } from './call-counter.js';
import { Faults } from './faults.js';
import { FakeKms } from './kms.js';
import { LifecycleActions, type ActionRef } from './lifecycle.js';
import { ParameterStore, type StoredParameter } from './parameter-store.js';
import type { AwsThrottle, AwsThrottleOptions } from './aws-throttle.js';
import { FakeS3, type BucketOptions, type FakeBucket, type S3Version } from './s3.js';
import type {
  FakeGroup,
  FakeInstance,
  GroupSpec,
  HookTransition,
  InstanceHost,
  LaunchSpec,
  LifecycleResult,
  LifecycleState,
  TransitionEvent,
} from './types.js';

export type { FakeGroup, FakeInstance, GroupSpec, HookSpec, InstanceHost, LaunchSpec, LifecycleState, TransitionEvent } from './types.js';

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
  private readonly launches = new Map<string, Promise<void>>();
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

  /** Creates the group and launches `desired` instances at once; resolves when the host has launched them. */
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
    };
    this.groupMap.set(group.name, group);
    return this.setDesiredCapacity(group.name, spec.desired);
  }

  /**
   * Scales out (resolves with the launched ids once launched) or in (newest InService first).
   * Not async: a bad request throws at once, so the API can answer with the error.
   */
  setDesiredCapacity(groupName: string, desired: number): Promise<string[]> {
    const group = this.requireGroup(groupName);
    if (!Number.isInteger(desired) || desired < group.min || desired > group.max) {
      const bound = desired < group.min ? `below min value ${group.min}` : `above max value ${group.max}`;
      throw new AwsError('ValidationError', `New SetDesiredCapacity value ${desired} is ${bound} for the AutoScalingGroup.`);
    }
    group.desired = desired;
    return this.reconcile(group);
  }

  /** TerminateInstanceInAutoScalingGroup: through the terminating hooks; resolves with any replacement ids. Throws at once on a bad request. */
  terminateInstance(instanceId: string, opts: { decrement: boolean }): Promise<string[]> {
    const { instance, group } = this.requireMember(instanceId);
    if (isTerminating(instance.lifecycleState)) {
      throw new AwsError('ValidationError', `The instance ${instanceId} is already terminating.`);
    }
    if (opts.decrement) {
      if (group.desired <= group.min) {
        throw new AwsError('ValidationError', `Currently, desiredSize equals minSize (${group.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`);
      }
      group.desired -= 1;
    }
    this.beginTermination(instance);
    return this.reconcile(group);
  }

  /** An Unhealthy instance is replaced once InService, as the ASG's health check would. */
  setInstanceHealth(instanceId: string, health: 'Healthy' | 'Unhealthy'): Promise<string[]> {
    const { instance, group } = this.requireMember(instanceId);
    instance.health = health;
    if (health === 'Unhealthy' && instance.lifecycleState === 'InService') {
      this.beginTermination(instance);
      return this.reconcile(group);
    }
    return Promise.resolve([]);
  }

  /**
   * Kill without hooks: EC2 `terminated` at once, out of its group, not replaced (desired drops by
   * one). The host's kill is the lab's own business; the cloud only records it.
   */
  crash(instanceId: string): void {
    const instance = this.requireInstance(instanceId);
    if (instance.ec2State === 'terminated') return;
    this.actions.cancel(instanceId);
    const group = instance.asgName === undefined ? undefined : this.groupMap.get(instance.asgName);
    if (group !== undefined && !isTerminating(instance.lifecycleState)) group.desired = Math.max(0, group.desired - 1);
    this.leaveGroup(instance);
  }

  /** A spot interruption notice: IMDS spot/instance-action answers with a time two minutes ahead. */
  interruptSpot(instanceId: string): void {
    const instance = this.requireInstance(instanceId);
    instance.spotAction = { action: 'terminate', time: new Date(this.now() + 120_000) };
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
  }

  private reconcile(group: FakeGroup): Promise<string[]> {
    const active = group.instanceIds.map((id) => this.requireInstance(id)).filter((i) => !isTerminating(i.lifecycleState));
    if (active.length > group.desired) {
      const newestFirst = [...active].sort((a, b) => scaleInRank(b) - scaleInRank(a));
      for (const instance of newestFirst.slice(0, active.length - group.desired)) this.beginTermination(instance);
      return Promise.resolve([]);
    }
    const missing = group.desired - active.length;
    return Promise.all(Array.from({ length: missing }, () => this.launch(group, active)));
  }

  private async launch(group: FakeGroup, siblings: FakeInstance[]): Promise<string> {
    const seq = ++this.launchSeq;
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
      lifecycleState: 'Pending',
      ec2State: 'pending',
      health: 'Healthy',
      spotAction: undefined,
    };
    siblings.push(instance);
    this.instanceMap.set(instance.instanceId, instance);
    group.instanceIds.push(instance.instanceId);
    this.emitTransition(instance.instanceId, null, 'Pending');
    const spec: LaunchSpec = {
      instanceId: instance.instanceId,
      privateIp: instance.privateIp,
      asgName: group.name,
      availabilityZone: instance.availabilityZone,
      instanceType: instance.instanceType,
      lifecycle: instance.lifecycle,
      virtual: instance.virtual,
    };
    const launched = instance.virtual || this.host === undefined ? Promise.resolve() : this.host.launch(spec);
    this.launches.set(instance.instanceId, launched.catch(() => undefined));
    try {
      await launched;
    } catch (error) {
      this.events.emit('host-error', { instanceId: instance.instanceId, error });
      this.leaveGroup(instance);
      throw error;
    } finally {
      this.launches.delete(instance.instanceId);
    }
    if (instance.lifecycleState !== 'Pending') return instance.instanceId;
    instance.ec2State = 'running';
    const hooks = group.hooks.filter((h) => h.transition === 'launching');
    if (hooks.length > 0 && !this.closed) {
      this.setState(instance, 'Pending:Wait');
      this.actions.start(instance.instanceId, 'launching', hooks);
    } else {
      this.enterService(instance);
    }
    return instance.instanceId;
  }

  private onActionsDone(instanceId: string, transition: HookTransition, result: LifecycleResult): void {
    const instance = this.requireInstance(instanceId);
    if (transition === 'terminating') {
      void this.finishTermination(instance);
    } else if (result === 'CONTINUE') {
      this.setState(instance, 'Pending:Proceed');
      this.enterService(instance);
    } else {
      // An abandoned launch is terminated without terminating hooks, and the group replaces it.
      this.setState(instance, 'Terminating');
      void this.finishTermination(instance);
      const group = instance.asgName === undefined ? undefined : this.groupMap.get(instance.asgName);
      if (group !== undefined) this.reconcileInBackground(group);
    }
  }

  private enterService(instance: FakeInstance): void {
    this.setState(instance, 'InService');
    if (instance.health === 'Unhealthy') void this.setInstanceHealth(instance.instanceId, 'Unhealthy').catch(() => undefined);
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
    instance.ec2State = 'shutting-down';
    // A launch still in progress must finish before the host can tear the instance down.
    await this.launches.get(instance.instanceId);
    if (!instance.virtual && this.host !== undefined) {
      try {
        await this.host.terminate(instance.instanceId);
      } catch (error) {
        this.events.emit('host-error', { instanceId: instance.instanceId, error });
      }
    }
    this.leaveGroup(instance);
  }

  private leaveGroup(instance: FakeInstance): void {
    const group = instance.asgName === undefined ? undefined : this.groupMap.get(instance.asgName);
    if (group !== undefined) group.instanceIds = group.instanceIds.filter((id) => id !== instance.instanceId);
    instance.asgName = undefined;
    instance.ec2State = 'terminated';
    this.setState(instance, 'Terminated');
  }

  private reconcileInBackground(group: FakeGroup): void {
    // Launch failures are already reported as 'host-error' events.
    this.reconcile(group).catch(() => undefined);
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
    const group = instance.asgName === undefined ? undefined : this.groupMap.get(instance.asgName);
    if (group === undefined) throw new AwsError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    return { instance, group };
  }
}

export function isTerminating(state: LifecycleState): boolean {
  return state.startsWith('Terminat');
}

/** Scale-in order: InService instances before the others, newest first within each. */
function scaleInRank(instance: FakeInstance): number {
  return (instance.lifecycleState === 'InService' ? 1e9 : 0) + instance.seq;
}
