import { isGoneForGood } from '../cluster/instance-gone.js';
import type { Ec2Facts } from '../../ports/fleet.js';
import type { RecordedManager } from '../../ports/secret-store.js';

/**
 * Whether a set of managers that no longer answer is gone for good, as the one rule quorum recovery
 * and rebirth share: each must be in the cluster record (so its instance is known), EC2 must report
 * that instance terminated or shutting-down (never stopped, never running: those come back), and for
 * at least `afterMs`. Anything less, or anything unknown, is a refusal: a manager that may come back
 * must never find a second raft beside its own.
 */
export type GoneVerdict =
  | { gone: true; why: string }
  | { gone: false; final: boolean; why: string };

/** A missing manager: how it is known (its raft address), and its record entry if it has one. */
export interface MissingManager {
  addr: string;
  recorded: RecordedManager | undefined;
}

export function missingManagersGone(missing: readonly MissingManager[], ec2: ReadonlyMap<string, Ec2Facts>, now: number, afterMs: number): GoneVerdict {
  const facts: string[] = [];
  let youngest = 0;
  for (const { addr, recorded } of missing) {
    if (recorded === undefined || recorded.instanceId === '') {
      return { gone: false, final: true, why: `the manager at ${addr} is not in the cluster record with its instance: nothing proves it gone` };
    }
    const seen = ec2.get(recorded.instanceId);
    if (seen === undefined) {
      return { gone: false, final: true, why: `EC2 has no word on ${recorded.instanceId} (manager at ${addr}): nothing proves it gone` };
    }
    if (!isGoneForGood(seen.state)) {
      return { gone: false, final: true, why: `manager ${recorded.instanceId} at ${addr} is ${seen.state} per EC2: it may come back` };
    }
    if (seen.goneAt === undefined) {
      return { gone: false, final: true, why: `EC2 reports ${recorded.instanceId} ${seen.state} without saying since when` };
    }
    youngest = Math.max(youngest, seen.goneAt);
    facts.push(`${recorded.instanceId} (${addr}) ${seen.state} since ${new Date(seen.goneAt).toISOString()}`);
  }
  const left = youngest + afterMs - now;
  if (left > 0) return { gone: false, final: false, why: `${facts.join(', ')}: waiting ${Math.ceil(left / 1000)} s more (SWARMNODE_RECOVER_AFTER)` };
  return { gone: true, why: facts.join(', ') };
}
