import { AwsError } from './aws-error.js';
import type { FakeGroup, FakeInstance, LifecycleState, PoolState, WarmPool, WarmPoolSpec, WarmedState } from './types.js';

const POOL_STATES: readonly PoolState[] = ['Stopped', 'Running', 'Hibernated'];

/**
 * A PutWarmPool request checked the way the API reference states its constraints
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutWarmPool.html): MinSize >= 0,
 * MaxGroupPreparedCapacity >= -1 (-1 clears it), PoolState Stopped (default) | Running | Hibernated.
 */
export function warmPoolOf(group: Pick<FakeGroup, 'name' | 'spot'>, spec: WarmPoolSpec): WarmPool {
  if (group.spot) {
    // PutWarmPool: "cannot be called on an Auto Scaling group that has a mixed instances policy or a
    // launch template or launch configuration that requests Spot Instances".
    throw new AwsError('ValidationError', `You can't add a warm pool to Auto Scaling group ${group.name}: its launch template requests Spot Instances.`);
  }
  const minSize = spec.minSize ?? 0;
  if (!Number.isInteger(minSize) || minSize < 0) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${minSize}' at 'minSize' failed to satisfy constraint: Member must have value greater than or equal to 0`);
  }
  const max = spec.maxGroupPreparedCapacity;
  if (max !== undefined && (!Number.isInteger(max) || max < -1)) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${max}' at 'maxGroupPreparedCapacity' failed to satisfy constraint: Member must have value greater than or equal to -1`);
  }
  const poolState = spec.poolState ?? 'Stopped';
  if (!POOL_STATES.includes(poolState)) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${String(poolState)}' at 'poolState' failed to satisfy constraint: Member must satisfy enum value set: [${POOL_STATES.join(', ')}]`);
  }
  const maxGroupPreparedCapacity = max === undefined || max === -1 ? undefined : max;
  if (maxGroupPreparedCapacity !== undefined && minSize > maxGroupPreparedCapacity) {
    throw new AwsError('ValidationError', `The warm pool's MinSize (${minSize}) must not be greater than its MaxGroupPreparedCapacity (${maxGroupPreparedCapacity}).`);
  }
  return { minSize, maxGroupPreparedCapacity, poolState, reuseOnScaleIn: spec.reuseOnScaleIn ?? false, status: undefined };
}

/**
 * How many instances the pool keeps, per the user guide's "Warm pool size": the difference between
 * MaxGroupPreparedCapacity (the group's MaxSize when unset) and the desired capacity, never below
 * MinSize (MinSize = MaxGroupPreparedCapacity gives an absolute size); 0 while PendingDelete.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-warm-pools.html
 */
export function warmPoolSize(group: Pick<FakeGroup, 'warmPool' | 'max' | 'desired'>): number {
  const pool = group.warmPool;
  if (pool === undefined || pool.status === 'PendingDelete') return 0;
  const prepared = pool.maxGroupPreparedCapacity ?? group.max;
  return Math.max(pool.minSize, prepared - group.desired, 0);
}

export function isWarm(state: LifecycleState): boolean {
  return state.startsWith('Warmed:');
}

/** A pool instance that has finished entering the pool: the only ones a scale-out can take. */
export function isWarmed(state: LifecycleState): state is WarmedState {
  return state === 'Warmed:Stopped' || state === 'Warmed:Running' || state === 'Warmed:Hibernated';
}

export function isWarmTerminating(state: LifecycleState): boolean {
  return state.startsWith('Warmed:Terminat');
}

/**
 * `autoscaling/target-lifecycle-state`: the steady state the instance is heading for, one of
 * InService, Terminated, Warmed:Stopped|Running|Hibernated|Terminated
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/retrieving-target-lifecycle-state-through-imds.html).
 * An instance entering the pool (at launch, or returned on scale-in) targets its pool state.
 */
export function targetLifecycleState(instance: FakeInstance): string {
  const state = instance.lifecycleState;
  if (isWarmTerminating(state)) return 'Warmed:Terminated';
  if (isWarmed(state)) return state;
  if (state.startsWith('Warmed:Pending')) return `Warmed:${instance.warmedTo ?? 'Stopped'}`;
  if (state.startsWith('Terminat')) return 'Terminated';
  return 'InService';
}
