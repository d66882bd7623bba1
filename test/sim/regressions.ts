import type { Setup, SimCommand } from './commands.js';

/**
 * Schedules that broke an invariant once, kept as they were found (fast-check's counterexample, or
 * the issue's own story written as commands). Each must now hold every invariant. `found` says
 * against which code, by which search, and what broke.
 */
export interface Regression {
  name: string;
  found: string;
  setup: Setup;
  commands: SimCommand[];
}

const base: Setup = { seed: 7, managers: 3, workers: 2, terminatingHeartbeatMs: 120_000, spotWorkers: false };
const advance = (ms: number): SimCommand => ({ kind: 'advance', ms });

export const REGRESSIONS: Regression[] = [
  {
    name: 'issue 8, failure 1: the creator long replaced, the manager token deleted, every watch down, a new manager cut off from 2377',
    found: 'written from the issue; before the fix: "2 swarms initialised" (the new manager took init-lock-<creator> and initialised)',
    setup: base,
    commands: [
      advance(60_000),
      { kind: 'replace', role: 'manager', pick: 2 },
      advance(200_000),
      { kind: 'delete-parameter', name: 'manager-token' },
      ...[0, 1, 2, 3, 4].map((pick): SimCommand => ({ kind: 'stop-watch', pick })),
      { kind: 'launch', role: 'manager' },
      { kind: 'isolate', pick: 5 },
      advance(200_000),
    ],
  },
  {
    name: 'a published record deleted, then every AWS call denied: the election must not reopen',
    found: 'random search (fast-check sample seed 11, schedule #1274) on the code before the fix: a second swarm after the first one\'s record was deleted',
    setup: { seed: 748494895, managers: 3, workers: 1, terminatingHeartbeatMs: 300_000, spotWorkers: true },
    commands: [
      { kind: 'restart-watch', pick: 9 }, { kind: 'reboot', pick: 3 }, { kind: 'cut-az', az: 1, cut: false }, advance(7_005), { kind: 'restart-watch', pick: 3 },
      { kind: 'delete-parameter', name: 'cluster' }, { kind: 'cut-az', az: 2, cut: true }, { kind: 'fault', service: 'aws', mode: 'denied', ms: 254_143 },
      { kind: 'fault', service: 'kms', mode: 'outage', ms: 200_021 }, { kind: 'scale-in', role: 'worker', pick: 8 }, { kind: 'replace', role: 'worker', pick: 1 }, advance(36_390),
    ],
  },
  {
    name: 'issue 8, failure 2: one manager\'s engine hangs, then another manager is scaled in',
    found: 'written from the issue; before the fix: "quorum lost by swarmnode\'s hand" (CONTINUE at SWARMNODE_DRAIN_TIMEOUT, un-demoted)',
    setup: base,
    commands: [advance(60_000), { kind: 'hang', pick: 0 }, { kind: 'scale-in', role: 'manager', pick: 1 }, advance(300_000)],
  },
  {
    name: 'two managers leaving at once while a third never joined: the last one waits for its demotion',
    found: 'fast-check seed 3 on the code before the fix (shrunk): "quorum lost by swarmnode\'s hand" (the last raft member completed its hook)',
    setup: { seed: 1, managers: 3, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [
      { kind: 'isolate', pick: 0 }, advance(22_162), { kind: 'replace', role: 'manager', pick: 0 }, { kind: 'scale-in', role: 'manager', pick: 0 }, advance(1_000),
      { kind: 'cut-az', az: 0, cut: false },
    ],
  },
  {
    name: 'two spot managers interrupted together',
    found: 'written from the issue: the spot path used to leave by force, un-demoted',
    setup: { ...base, spotManagers: true },
    commands: [advance(60_000), { kind: 'spot', pick: 0 }, { kind: 'spot', pick: 1 }, advance(300_000)],
  },
  {
    name: 'issue 8, failure 3: a reboot of a healthy member during an AWS outage',
    found: 'written from the issue; before the fix: "boot of a healthy member exited 75", and watch never started (Requires=)',
    setup: base,
    commands: [advance(60_000), { kind: 'fault', service: 'aws', mode: 'outage', ms: 300_000 }, { kind: 'reboot', pick: 3 }, advance(300_000)],
  },
  {
    name: 'a detached manager reboots',
    found: 'fast-check seed 2 on the code before the fix (shrunk): "boot of a healthy member exited 64" (no ASG to take its role from)',
    setup: { seed: 1, managers: 3, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(13_112), { kind: 'reboot', pick: 0 }, { kind: 'detach', pick: 0 }],
  },
  {
    name: 'slow SSM while a 7-manager cluster forms and a manager is scaled in',
    found: 'random search (fast-check sample seed 11, schedule #253) on the code before the fix: a member reported Unhealthy',
    setup: { seed: 777718531, managers: 7, workers: 1, terminatingHeartbeatMs: 120_000, spotWorkers: true },
    commands: [
      advance(8_327), { kind: 'detach', pick: 5 }, { kind: 'launch', role: 'worker' }, { kind: 'fault', service: 'ssm', mode: 'slow', ms: 210_018 },
      { kind: 'scale-in', role: 'manager', pick: 4 }, { kind: 'cut-az', az: 2, cut: true }, { kind: 'fault', service: 'engine', mode: 'outage', ms: 272_196 },
      { kind: 'cut-az', az: 1, cut: true },
    ],
  },
  {
    name: 'a join still in flight at the join deadline lands while boot gives up',
    found: 'random search (sample seed 11, #346) during the fix: Unhealthy reported, then ABANDON, for the node the late join had just made a manager',
    setup: { seed: 2147483639, managers: 3, workers: 2, terminatingHeartbeatMs: 120_000, spotWorkers: false },
    commands: [
      { kind: 'scale-in', role: 'manager', pick: 6 }, { kind: 'fault', service: 'aws', mode: 'slow', ms: 270_618 }, { kind: 'reboot', pick: 4 }, advance(34_067),
      { kind: 'spot', pick: 3 }, { kind: 'reboot', pick: 7 }, { kind: 'crash', pick: 8 }, { kind: 'replace', role: 'worker', pick: 8 },
      { kind: 'fault', service: 'ec2', mode: 'slow', ms: 243_056 }, { kind: 'launch', role: 'worker' }, advance(149_991), { kind: 'isolate', pick: 5 },
    ],
  },
  {
    name: 'an Auto Scaling outage longer than the drain timeout while a manager is replaced',
    found: 'random search (sample seed 12, #682) during the fix: the hook lookup gave up at the drain timeout and the action expired unanswered',
    setup: { seed: 1322437830, managers: 5, workers: 0, terminatingHeartbeatMs: 300_000, spotWorkers: false },
    commands: [
      { kind: 'hang', pick: 8 }, advance(114_022), advance(30_801), { kind: 'rotate', role: 'manager' }, { kind: 'fault', service: 'kms', mode: 'outage', ms: 239_387 },
      { kind: 'fault', service: 'aws', mode: 'outage', ms: 285_426 }, { kind: 'fault', service: 'ec2', mode: 'slow', ms: 147_993 }, advance(114_316),
      { kind: 'replace', role: 'manager', pick: 7 }, advance(124_807), { kind: 'restart-watch', pick: 1 },
    ],
  },
  {
    name: 'Auto Scaling denies the hook lookup for a while during a scale-in',
    found: 'random search (sample seed 13, #152) during the fix: the lookup treated AccessDenied as final and the action expired',
    setup: { seed: 967755423, managers: 5, workers: 2, terminatingHeartbeatMs: 120_000, spotWorkers: true },
    commands: [
      { kind: 'spot', pick: 7 }, advance(40_307), advance(112_708), { kind: 'hang', pick: 0 }, { kind: 'cut-az', az: 0, cut: false }, { kind: 'stop-watch', pick: 6 },
      { kind: 'launch', role: 'manager' }, { kind: 'fault', service: 'autoscaling', mode: 'denied', ms: 39_786 }, { kind: 'isolate', pick: 5 },
      { kind: 'restart-watch', pick: 5 }, { kind: 'scale-in', role: 'manager', pick: 5 }, advance(88_584),
    ],
  },
  {
    name: 'a worker reboots while its first boot had not answered its launch, Auto Scaling denying',
    found: 'random search (sample seed 11, #1287) during the fix: the member\'s boot exited 77',
    setup: { seed: 854151236, managers: 5, workers: 2, terminatingHeartbeatMs: 120_000, spotWorkers: true },
    commands: [
      { kind: 'fault', service: 'autoscaling', mode: 'throttle', ms: 235_864 }, { kind: 'delete-parameter', name: 'cluster' }, advance(98_464), { kind: 'spot', pick: 5 },
      { kind: 'restart-watch', pick: 2 }, { kind: 'fault', service: 'autoscaling', mode: 'denied', ms: 284_080 }, { kind: 'reboot', pick: 6 }, advance(36_850),
      advance(36_221), { kind: 'fault', service: 'autoscaling', mode: 'outage', ms: 31_006 },
    ],
  },
  {
    name: 'issue 9: a worker scaled in to a Running warm pool reboots before its drain ran',
    found: 'random search (sample seed 21, #1243) while building issue 9: boot answered the launching hook of a member headed for the pool, exited 75, and watch never drained it',
    setup: { seed: 1977165711, managers: 3, workers: 3, terminatingHeartbeatMs: 300_000, spotWorkers: false, spotManagers: false, warmPool: true },
    commands: [
      advance(84_658), { kind: 'scale-in', role: 'manager', pick: 9 }, { kind: 'reboot', pick: 9 }, { kind: 'autolock', mode: 'off' },
      { kind: 'scale-in', role: 'worker', pick: 3 }, { kind: 'scale-in', role: 'worker', pick: 0 },
    ],
  },
  {
    name: 'issue 9: an autolocked manager detached from its group reboots',
    found: 'random search (sample seed 22, #630) while building issue 9: the locked member could not resolve its role (exit 64)',
    setup: { seed: 1773983907, managers: 5, workers: 3, terminatingHeartbeatMs: 300_000, spotWorkers: false, spotManagers: false, warmPool: false },
    commands: [
      advance(87_654), advance(15_202), { kind: 'autolock', mode: 'on' }, advance(60_753), { kind: 'replace', role: 'manager', pick: 0 }, { kind: 'detach', pick: 1 },
      advance(146_760), { kind: 'autolock', mode: 'on' }, { kind: 'reboot', pick: 3 }, advance(144_262), { kind: 'launch', role: 'worker' }, { kind: 'reboot', pick: 9 },
    ],
  },
  {
    name: 'issue 9: a warm pool scale-in, then scale-out from the pool without a reboot',
    found: 'written from the issue: scale-in under an instance-reuse policy, then the pool instance back into service',
    setup: { ...base, workers: 3, warmPool: true },
    commands: [advance(60_000), { kind: 'scale-in', role: 'worker', pick: 0 }, advance(120_000), { kind: 'launch', role: 'worker' }, advance(120_000)],
  },
  {
    name: 'issue 9: a rebalance recommendation, then the interruption notice',
    found: 'written from the issue: the node is drained early, the notice later costs nothing',
    setup: { ...base, spotWorkers: true, spotManagers: true },
    commands: [advance(60_000), { kind: 'rebalance', pick: 3 }, { kind: 'rebalance', pick: 0 }, advance(90_000), { kind: 'spot', pick: 3 }, { kind: 'spot', pick: 0 }, advance(200_000)],
  },
  {
    name: 'issue 9: scheduled reboots of a manager and a worker, drained ahead and re-activated after',
    found: 'written from the issue',
    setup: base,
    commands: [
      advance(60_000), { kind: 'event', pick: 0, code: 'system-reboot', inMs: 700_000 }, { kind: 'event', pick: 3, code: 'instance-reboot', inMs: 650_000 },
      advance(900_000),
    ],
  },
  {
    name: 'issue 9: autolock turned on and its key rotated on a live swarm, then every manager reboots',
    found: 'written from the issue: the reconciler keeps the unlock-key parameter equal to the swarm\'s key',
    setup: base,
    commands: [
      advance(60_000), { kind: 'autolock', mode: 'on' }, advance(20_000), { kind: 'autolock', mode: 'rotate' }, advance(20_000),
      { kind: 'reboot', pick: 0 }, advance(30_000), { kind: 'reboot', pick: 1 }, advance(30_000), { kind: 'reboot', pick: 2 }, advance(120_000),
      { kind: 'autolock', mode: 'off' }, advance(60_000),
    ],
  },
  {
    name: 'issue 10: S3 stops answering the leader\'s backups while a worker is replaced and a manager scaled in',
    found: 'written from the issue: the backup step runs beside the reconciler\'s round, so a backup that never ends holds back no drain, demotion or reap (with the round awaiting it: "stale node")',
    setup: { ...base, backups: true },
    commands: [
      // Autolock changes the swarm's spec: the next backup check writes, and that write never ends.
      advance(90_000), { kind: 'fault', service: 's3', mode: 'hang', ms: 600_000 }, { kind: 'autolock', mode: 'on' }, advance(70_000),
      { kind: 'replace', role: 'worker', pick: 0 }, { kind: 'scale-in', role: 'manager', pick: 1 }, advance(300_000),
    ],
  },
  {
    name: 'issue 10: three of five managers lost for good; the two survivors race for one recovery lock',
    found: 'random search (fc.assert seed 787561114) with the first invariant, which also counted the other survivor (reachable, rejoining) as a manager that may come back: the invariant was corrected to missing members only',
    setup: { seed: 1, managers: 5, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(25_666), { kind: 'lose-managers', all: false, pick: 0 }, { kind: 'spot', pick: 0 }],
  },
  {
    name: 'issue 10: every manager lost for good while the engines are slow: generation 2 is initialised at the join deadline',
    found: 'random search (fc.assert seed -868810854) on the first rebirth code: the initializer\'s boot ended between init and publish, its leader then published the new swarm\'s tokens under the dead swarm\'s record, and the new managers that joined it left again ("quorum lost by swarmnode\'s hand: leave --force")',
    setup: { seed: 1, managers: 3, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(94_619), { kind: 'lose-managers', all: true, pick: 0 }, advance(48_200), { kind: 'fault', service: 'engine', mode: 'slow', ms: 110_727 }, advance(110_726)],
  },
  {
    name: 'issue 10: two of three managers only cut off (instances running): no force-new-cluster, ever',
    found: 'written from the issue: recovery refuses while any missing manager\'s instance runs',
    setup: base,
    commands: [advance(60_000), { kind: 'isolate', pick: 0 }, { kind: 'isolate', pick: 1 }, advance(900_000)],
  },
  {
    name: 'issue 10: all three managers lost for good with two workers: generation 2 starts, the workers rejoin it',
    found: 'written from the issue: a rebirth through generation 2\'s election; workers of the dead swarm leave and join the new one',
    setup: base,
    commands: [advance(90_000), { kind: 'lose-managers', all: true, pick: 0 }, advance(900_000)],
  },
  {
    name: 'issue 10: the survivor that lost the recovery race is away while the winner records its new raft: it must still come back',
    found: 'the lab (recovery-race, 5 managers, 3 terminated): the winner\'s leader wrote its new raft into the record before the other survivor saw the lock marked, which then refused ("the record does not list this manager") for ever; made a schedule here (the loser\'s watch stopped through the recovery), it broke the settled-into-one-swarm invariant',
    setup: { seed: 3, managers: 5, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(60_000), { kind: 'stop-watch', pick: 3 }, { kind: 'lose-managers', all: false, pick: 0 }, advance(400_000)],
  },
  {
    name: 'issue 10: a manager detached from its group while two others die before the leader recorded them: no second generation beside it',
    found: 'random search (fc.assert, 1000 runs of 3 managers) on the first rebirth code: the record listed only the creator, so its death looked like the whole swarm\'s while a detached member still ran ("second swarm initialised beside swarm ..., whose managers on ... may come back"); a manager now adds itself to the record before it counts as healthy',
    setup: { seed: 1, managers: 3, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(12_252), { kind: 'detach', pick: 0 }, { kind: 'lose-managers', all: false, pick: 0 }],
  },
  {
    name: 'issue 10: four of seven managers lost, and the survivor that recovered is then replaced itself: the new managers must still be able to join',
    found: 'random search (fc.assert seed 7790782, 7 managers) on the first recovery code: new managers never joined through a terminating manager, and the recovered leader, held in Terminating:Wait for its demotion, was the only one that could take them; joins now try terminating managers last instead of never',
    setup: { seed: 7_790_782, managers: 7, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(98_017), { kind: 'replace', role: 'manager', pick: 4 }, { kind: 'lose-managers', all: false, pick: 0 }, advance(11_501), { kind: 'replace', role: 'manager', pick: 0 }],
  },
  {
    name: 'issue 10: five of seven managers lost while one survivor\'s engine hangs (its port still accepts): the other recovers, the hung one follows',
    found: 'random search (fc.assert, 4000 runs) with the first invariant, which counted a hung survivor that still answers on 2377 as a missing member; the old raft can never regain quorum, so it follows: the invariant now says so precisely',
    setup: { seed: 1, managers: 5, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(10_251), { kind: 'hang', pick: 0 }, { kind: 'lose-managers', all: false, pick: 6 }, advance(140_731), { kind: 'rotate', role: 'manager' }],
  },
  {
    name: 'issue 10: a manager\'s own write into the record lost to another\'s, then the managers that remain listed die: no rebirth beside it',
    found: 'random search (fc.assert seed 449263990) on the first registration code (read, add, write the record): a lost update dropped a live, scaled-in manager from the record and a new generation started beside it; each manager now writes an entry of its own',
    setup: { seed: 449_263_990, managers: 3, workers: 3, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(6_513), { kind: 'scale-in', role: 'manager', pick: 7 }, { kind: 'lose-managers', all: false, pick: 2 }, advance(1_000)],
  },
  {
    name: 'issue 12: a manager crashes as the cluster forms; the others take the free lock after its head start, on facts read anew',
    found: 'written for issue 12 (head start by instance id, reused discovery): whichever manager is lost, one swarm forms',
    setup: base,
    commands: [{ kind: 'crash', pick: 0 }, advance(120_000), { kind: 'launch', role: 'manager' }, advance(120_000)],
  },
  {
    name: 'issue 12: AWS throttled while the cluster forms, a manager launched mid-wait and the worker token deleted',
    found: 'written for issue 12: boots reuse their fleet view and election facts across waits; a stale view must never let a second init happen',
    setup: base,
    commands: [
      { kind: 'fault', service: 'aws', mode: 'throttle', ms: 90_000 }, advance(20_000), { kind: 'launch', role: 'manager' }, advance(40_000),
      { kind: 'delete-parameter', name: 'worker-token' }, { kind: 'launch', role: 'worker' }, advance(200_000),
    ],
  },
  {
    name: 'issue 10: three of five managers lost; the survivor that lost the race sees the winner\'s new raft recorded before it looked at the lock',
    found: 'random search (fc.assert seed 249308174, 4000 runs of 5 and 7 managers): the record no longer listed the lost members, so the loser refused ("not in the cluster record with its instance") instead of asking the loss\'s lock, which said another survivor had recovered; it stayed out for good',
    setup: { seed: 443_396_332, managers: 5, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(145_808), { kind: 'lose-managers', all: false, pick: 0 }, advance(35_830), { kind: 'detach', pick: 7 }, { kind: 'launch', role: 'worker' }, advance(103_230), { kind: 'cut-az', az: 0, cut: false }],
  },
  {
    name: 'a manager rebooted while AWS denies everything and autolock is turned on: its engine comes back locked and is unlocked',
    found: 'random search (fc.assert seed 1149577988, 5 and 7 managers) after the economy merge: boot failed on the denial (exit 77) before unlocking, and nothing in watch ever unlocked the engine',
    setup: { seed: 1, managers: 5, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(9_202), { kind: 'fault', service: 'aws', mode: 'denied', ms: 10_001 }, { kind: 'reboot', pick: 0 }, { kind: 'autolock', mode: 'on' }, advance(10_000), { kind: 'launch', role: 'manager' }],
  },
  {
    name: 'issue 10: three of five managers lost while Auto Scaling denies every call: the survivor that lost the race leaves the dead raft, its boot fails, and it must still come back',
    found: 'random search in CI (5 and 7 managers) on the merged code: the rejoin\'s boot failed on the denial (exit 1) and nothing ran it again, leaving the manager out of the swarm for good; the schedule no longer reaches that state once boots re-read their facts after acting, and the quorum monitor now runs boot again each round until the manager is a member (unit test in quorum-monitor.test.ts)',
    setup: { seed: 1, managers: 5, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(19_514), { kind: 'lose-managers', all: false, pick: 0 }, { kind: 'fault', service: 'autoscaling', mode: 'denied', ms: 132_723 }, advance(84_431), { kind: 'launch', role: 'manager' }, advance(48_291), { kind: 'launch', role: 'manager' }],
  },
  {
    name: 'issue 10: four of seven managers lost with one detached: a survivor looks at the loss\'s lock after another survivor already left to rejoin the recovered raft',
    found: 'CI\'s fixed-seed search (seed 20261201, 5 and 7 managers): the missing members then included the survivor that had left, so the lock\'s name (after the members lost) differed from the one recovered and the last survivor refused for good; the lock is now named after the missing members not known alive',
    setup: { seed: 62_750_639, managers: 7, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(6_584), { kind: 'detach', pick: 6 }, advance(36_198), { kind: 'lose-managers', all: false, pick: 7 }, advance(35_435), { kind: 'cut-az', az: 0, cut: false }],
  },
  {
    name: 'every manager crashes, the group\'s desired count lowered with each: the worker waits, nothing is reported',
    found: 'CI\'s fixed-seed search (seed 20261201, 3 managers): the settle invariant asked a worker to be a member of a swarm with quorum while no manager was in service; the invariant now asks it only while a manager is',
    setup: { seed: 1, managers: 3, workers: 1, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(15_481), { kind: 'crash', pick: 0 }, { kind: 'crash', pick: 0 }, { kind: 'crash', pick: 0 }, { kind: 'detach', pick: 0 }],
  },
  {
    name: 'issue 10: four of seven managers lost; the survivor that recovers is detached from its group: the others rejoin it anyway',
    found: 'CI\'s fixed-seed search (seed 20261201, 7 managers) once engines showed no swarm id without a leader (as real ones do): the survivor that left to rejoin joined through the fleet\'s managers only, none of which was the recovered (detached) leader, and the last survivor counted it among the lost; rejoins now join through the recovering survivor first, and a missing member whose address belongs to a live known manager is not counted lost',
    setup: { seed: 1, managers: 7, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(15_946), { kind: 'reboot', pick: 0 }, { kind: 'detach', pick: 6 }, advance(122_478), { kind: 'lose-managers', all: false, pick: 9 }, advance(90_341), { kind: 'cut-az', az: 0, cut: false }],
  },
  {
    name: 'issue 10: a hung manager and a detached one among eight, then a majority lost: survivors do not take the detached member for a stranger, and the dead hung one stays provably gone',
    found: 'CI\'s fixed-seed search (seed 20261201, 7 managers + 1 launched): the record named the detached member without an instance, so its own entry looked like another manager ("the swarm went on without this node") and two survivors left a raft that was not dead; and the leader had dropped the own entry of a member it could not name, so its death could never be proven; entries are now matched by node id',
    setup: { seed: 133_888_316, managers: 7, workers: 1, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(15_967), { kind: 'reboot', pick: 0 }, { kind: 'launch', role: 'manager' }, { kind: 'hang', pick: 2 }, { kind: 'detach', pick: 6 }, advance(126_085), { kind: 'lose-managers', all: false, pick: 9 }, { kind: 'cut-az', az: 0, cut: false }],
  },
  {
    name: 'issue 8: a manager scaled in while its engine is out and AWS fails a heartbeat: the terminating action is kept alive',
    found: 'random search (fc.assert seed 682730718, 3 managers): a failed RecordLifecycleActionHeartbeat was tried again only a whole interval later, after a slow one, and the action expired; beats are now timed from the start of the last one and a failed one is tried again within 2 s',
    setup: { seed: 682_730_718, managers: 3, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(12_755), advance(104_118), { kind: 'launch', role: 'manager' }, advance(66_240), { kind: 'reboot', pick: 1 }, advance(61_979), { kind: 'scale-in', role: 'manager', pick: 6 }, { kind: 'fault', service: 'engine', mode: 'outage', ms: 116_008 }, advance(116_717)],
  },
  {
    name: 'issue 10: a fourth manager joins under AWS throttling and the other three are lost before it writes its own entry: it is still the raft of the recorded swarm',
    found: 'random search (fc.assert seed 281977315, 3 managers): the survivor, in neither the record nor its own entry, refused for good ("does not list this manager") though its raft\'s other members were all recorded; the record now describes a leaderless raft when it lists any of its members (node ids are never shared between swarms)',
    setup: { seed: 281_977_315, managers: 3, workers: 0, terminatingHeartbeatMs: 60_000, spotWorkers: false },
    commands: [advance(15_624), { kind: 'fault', service: 'aws', mode: 'throttle', ms: 93_039 }, advance(85_379), { kind: 'launch', role: 'manager' }, advance(9_864), { kind: 'lose-managers', all: false, pick: 0 }, { kind: 'reboot', pick: 0 }, advance(1_000)],
  },
];
