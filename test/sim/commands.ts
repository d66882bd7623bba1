import fc from 'fast-check';
import type { FaultMode, Service } from './faults.js';
import type { SimInstance } from './model/cloud.js';
import { CLUSTER, type World } from './world.js';

type Role = 'manager' | 'worker';

/**
 * What a schedule does to the world, as plain data: fast-check generates and shrinks lists of
 * these, and a shrunk failing list is kept as a regression row exactly as printed. `pick` chooses
 * among the candidates at the time the command runs (modulo their number), so a list stays valid
 * whatever ran before it.
 */
export type SimCommand =
  | { kind: 'advance'; ms: number }
  | { kind: 'launch'; role: Role }
  | { kind: 'scale-in'; role: Role; pick: number }
  | { kind: 'replace'; role: Role; pick: number }
  | { kind: 'crash'; pick: number }
  | { kind: 'reboot'; pick: number }
  | { kind: 'isolate'; pick: number }
  | { kind: 'reconnect'; pick: number }
  | { kind: 'cut-az'; az: number; cut: boolean }
  | { kind: 'hang'; pick: number }
  | { kind: 'unhang'; pick: number }
  | { kind: 'restart-watch'; pick: number }
  | { kind: 'stop-watch'; pick: number }
  | { kind: 'spot'; pick: number }
  | { kind: 'detach'; pick: number }
  | { kind: 'fault'; service: Service | 'aws'; mode: FaultMode; ms: number }
  | { kind: 'delete-parameter'; name: 'manager-token' | 'worker-token' | 'cluster' }
  | { kind: 'rotate'; role: Role }
  | { kind: 'rebalance'; pick: number }
  | { kind: 'event'; pick: number; code: 'system-reboot' | 'instance-reboot' | 'instance-stop' | 'instance-retirement'; inMs: number }
  | { kind: 'autolock'; mode: 'on' | 'rotate' | 'off' }
  /** A majority of the running managers, or all of them, die for good (an AZ outage, a bad AMI roll); the ASG replaces them. */
  | { kind: 'lose-managers'; all: boolean; pick: number };

export const AZS = ['sim-1a', 'sim-1b', 'sim-1c'];

function pickFrom(candidates: SimInstance[], pick: number): SimInstance | undefined {
  const sorted = [...candidates].sort((a, b) => (a.id < b.id ? -1 : 1));
  return sorted.length === 0 ? undefined : sorted[pick % sorted.length];
}

function groupOf(role: Role): string {
  return `${CLUSTER}-${role}s`;
}

/** Applies one command; returns how long the world then runs before the next one. */
export function apply(world: World, command: SimCommand): number {
  const inService = (role: Role) => world.cloud.members(groupOf(role)).filter((i) => i.lifecycleState === 'InService');
  const running = world.running();
  // A network cut can also meet an instance that is still starting (a NACL on a new subnet).
  const reachableCandidates = [...world.cloud.instances.values()].filter((i) => i.ec2State === 'pending' || i.ec2State === 'running');
  switch (command.kind) {
    case 'advance':
      return command.ms;
    case 'launch':
      world.cloud.setDesired(groupOf(command.role), world.cloud.group(groupOf(command.role)).desired + 1);
      world.note(`scale out ${command.role}s`);
      return 0;
    case 'scale-in': {
      const victim = pickFrom(inService(command.role), command.pick);
      if (victim) {
        world.note(`scale in ${victim.id}`);
        world.cloud.terminate(victim.id, true);
      }
      return 0;
    }
    case 'replace': {
      const victim = pickFrom(inService(command.role), command.pick);
      if (victim) {
        world.note(`replace ${victim.id}`);
        world.cloud.terminate(victim.id, false);
      }
      return 0;
    }
    case 'crash': {
      const victim = pickFrom(running, command.pick);
      if (victim) world.crash(victim);
      return 0;
    }
    case 'reboot': {
      const victim = pickFrom(running, command.pick);
      if (victim) world.reboot(victim);
      return 0;
    }
    case 'isolate':
    case 'reconnect': {
      const victim = pickFrom(reachableCandidates, command.pick);
      if (victim) world.isolate(victim, command.kind === 'isolate');
      return 0;
    }
    case 'cut-az':
      world.cutAz(AZS[command.az % AZS.length] as string, command.cut);
      return 0;
    case 'hang':
    case 'unhang': {
      const victim = pickFrom(running, command.pick);
      if (victim) world.hangEngine(victim, command.kind === 'hang');
      return 0;
    }
    case 'restart-watch': {
      const victim = pickFrom(running, command.pick);
      if (victim) world.restartWatch(victim);
      return 0;
    }
    case 'stop-watch': {
      const victim = pickFrom(running, command.pick);
      if (victim) world.stopWatch(victim);
      return 0;
    }
    case 'spot': {
      const victim = pickFrom(running.filter((i) => i.spot), command.pick);
      if (victim) {
        world.note(`spot interruption notice for ${victim.id}`);
        world.cloud.interruptSpot(victim.id);
      }
      return 0;
    }
    case 'detach': {
      const victim = pickFrom(inService('manager'), command.pick);
      if (victim) {
        world.note(`detach ${victim.id} from its group`);
        world.cloud.detach(victim.id);
      }
      return 0;
    }
    case 'fault': {
      const services: Service[] = command.service === 'aws' ? ['autoscaling', 'ec2', 'ssm', 'kms'] : [command.service];
      for (const service of services) world.holdFault(service, command.mode, command.ms);
      world.note(`${command.mode} on ${command.service} for ${command.ms / 1000}s`);
      return 0;
    }
    case 'delete-parameter':
      world.deleteParameter(command.name);
      return 0;
    case 'rotate':
      world.rotateToken(command.role);
      return 0;
    case 'rebalance': {
      const victim = pickFrom(running.filter((i) => i.spot), command.pick);
      if (victim) {
        world.note(`rebalance recommendation for ${victim.id}`);
        world.cloud.recommendRebalance(victim.id);
      }
      return 0;
    }
    case 'event': {
      const victim = pickFrom(running, command.pick);
      if (victim) world.scheduleEvent(victim, command.code, command.inMs);
      return 0;
    }
    case 'autolock':
      world.autolock(command.mode);
      return 0;
    case 'lose-managers': {
      const managers = running.filter((i) => i.role === 'manager').sort((a, b) => (a.id < b.id ? -1 : 1));
      const count = command.all ? managers.length : Math.floor(managers.length / 2) + 1;
      const start = command.pick % Math.max(managers.length, 1);
      const victims = [...managers.slice(start), ...managers.slice(0, start)].slice(0, count);
      world.note(`lose ${victims.length} of ${managers.length} managers for good`);
      for (const victim of victims) world.lose(victim);
      return 0;
    }
  }
}

export function describe(command: SimCommand): string {
  return JSON.stringify(command);
}

const role = fc.constantFrom<Role>('manager', 'worker');
const pick = fc.nat(9);

/** Weighted so that the rare combinations that broke swarmnode before come up in a few thousand runs. */
export const commandArb: fc.Arbitrary<SimCommand> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1_000, max: 150_000 }).map((ms): SimCommand => ({ kind: 'advance', ms })) },
  { weight: 3, arbitrary: role.map((r): SimCommand => ({ kind: 'launch', role: r })) },
  { weight: 3, arbitrary: fc.tuple(role, pick).map(([r, p]): SimCommand => ({ kind: 'scale-in', role: r, pick: p })) },
  { weight: 3, arbitrary: fc.tuple(role, pick).map(([r, p]): SimCommand => ({ kind: 'replace', role: r, pick: p })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'crash', pick: p })) },
  { weight: 2, arbitrary: pick.map((p): SimCommand => ({ kind: 'reboot', pick: p })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'isolate', pick: p })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'reconnect', pick: p })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(2), fc.boolean()).map(([az, cut]): SimCommand => ({ kind: 'cut-az', az, cut })) },
  { weight: 2, arbitrary: pick.map((p): SimCommand => ({ kind: 'hang', pick: p })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'unhang', pick: p })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'restart-watch', pick: p })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'stop-watch', pick: p })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'spot', pick: p })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'detach', pick: p })) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        service: fc.constantFrom<Service | 'aws'>('aws', 'aws', 'autoscaling', 'ec2', 'ssm', 'kms', 'engine'),
        mode: fc.constantFrom<FaultMode>('outage', 'throttle', 'slow', 'denied'),
        ms: fc.integer({ min: 5_000, max: 300_000 }),
      })
      // An engine is slow or answers errors; it is never throttled nor denied.
      .map((f): SimCommand => ({ kind: 'fault', ...f, mode: f.service === 'engine' && (f.mode === 'throttle' || f.mode === 'denied') ? 'outage' : f.mode })),
  },
  { weight: 1, arbitrary: fc.constantFrom('manager-token', 'worker-token', 'cluster').map((name): SimCommand => ({ kind: 'delete-parameter', name: name as 'manager-token' })) },
  { weight: 1, arbitrary: role.map((r): SimCommand => ({ kind: 'rotate', role: r })) },
  { weight: 1, arbitrary: pick.map((p): SimCommand => ({ kind: 'rebalance', pick: p })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ pick, code: fc.constantFrom('system-reboot' as const, 'instance-reboot' as const, 'instance-stop' as const, 'instance-retirement' as const), inMs: fc.integer({ min: 60_000, max: 1_200_000 }) })
      .map((e): SimCommand => ({ kind: 'event', ...e })),
  },
  { weight: 1, arbitrary: fc.constantFrom('on' as const, 'rotate' as const, 'off' as const).map((mode): SimCommand => ({ kind: 'autolock', mode })) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), pick).map(([all, p]): SimCommand => ({ kind: 'lose-managers', all, pick: p })) },
);

export interface Setup {
  seed: number;
  managers: number;
  workers: number;
  terminatingHeartbeatMs: number;
  spotWorkers: boolean;
  /** Managers on spot: swarmnode warns about it, and two interruptions at once must still not cost quorum. */
  spotManagers?: boolean;
  warmPool?: boolean;
  /** The leaders back the swarm up to S3 (a modelled bucket). */
  backups?: boolean;
}

/** A cluster to start a schedule from; `managers` are the raft sizes to draw from. */
export const setupArb = (managers: readonly number[] = [3, 3, 5, 7]): fc.Arbitrary<Setup> => fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  managers: fc.constantFrom(...managers),
  workers: fc.integer({ min: 0, max: 3 }),
  terminatingHeartbeatMs: fc.constantFrom(60_000, 120_000, 300_000),
  spotWorkers: fc.boolean(),
  spotManagers: fc.constantFrom(false, false, false, true),
  warmPool: fc.boolean(),
});
