import { describe, expect, it } from 'vitest';
import { runDrain, type DrainDeps } from '../../../../src/app/drain/drain.js';
import { globalTimeoutMs, STOP_GRACE_MS } from '../../../../src/core/drain/deadline.js';
import { HOOK_DRAIN as HOOK_TRIGGER, type DrainTrigger } from '../../../../src/core/drain/step.js';
import { node } from '../../core/watch-fixtures.js';
import { RecordingMetrics } from '../../recording-metrics.js';
import { FakeClock, FakeEngine, FakeFleet, HOOK, silentLog } from '../watch-fakes.js';

function setup(): { clock: FakeClock; engine: FakeEngine; fleet: FakeFleet; deps: DrainDeps; metrics: RecordingMetrics } {
  const clock = new FakeClock();
  const engine = new FakeEngine();
  const fleet = new FakeFleet(clock);
  const metrics = new RecordingMetrics();
  const deps: DrainDeps = { engine: engine.asEngine(), fleet: fleet.asFleet(), clock, log: silentLog, metrics, instanceId: 'i-1', drainTimeoutMs: 600_000, pollIntervalMs: 1_000 };
  return { clock, engine, fleet, deps, metrics };
}

const ops = (engine: FakeEngine): string[] => engine.calls.filter((c) => c.op !== 'localTaskCount').map((c) => `${c.op}${c.force === undefined ? '' : c.force ? ' --force' : ''}`);
const never = new AbortController().signal;
const HOOK_DRAIN = (): DrainTrigger => ({ ...HOOK_TRIGGER });
const spotAt = (time: string): DrainTrigger => ({ hook: false, spotTime: time, toWarmPool: false });

/** A manager of the swarm whose node the drain reads; `onCall` scripts the leader. */
function asManager(engine: FakeEngine, availability: 'active' | 'drain' = 'active'): void {
  engine.info_.controlAvailable = true;
  engine.nodeList = [node('self', { role: 'manager', availability })];
}

describe('runDrain', () => {
  it('worker: waits while its task containers run, then leaves and completes CONTINUE, heartbeating meanwhile', async () => {
    const { clock, engine, fleet, deps, metrics } = setup();
    engine.localTasks = 3;
    const start = clock.now();
    // The leader drains the worker after a while: its containers leave one by one.
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && clock.now() - start > 40_000) engine.localTasks = Math.max(0, engine.localTasks - 1);
    };
    await clock.run(runDrain(deps, HOOK_DRAIN(), never));
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    // The drain outlived HeartbeatTimeout (30 s): heartbeats kept the action alive.
    expect(fleet.heartbeats.length).toBeGreaterThan(1);
    // Counted as the dashboard shows it: one hook drain, CONTINUE in time, every heartbeat.
    expect(metrics.drains.map((d) => d.kind)).toEqual(['hook']);
    expect(metrics.hooks).toEqual([{ transition: 'terminating', result: 'CONTINUE', atDeadline: false, seconds: (clock.now() - start) / 1000 }]);
    expect(metrics.heartbeats).toEqual(fleet.heartbeats.map(() => true));
  });

  it('manager: drains itself, waits for the leader to demote it, then leaves', async () => {
    const { engine, fleet, deps } = setup();
    asManager(engine);
    let polls = 0;
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && ++polls === 3) engine.info_.controlAvailable = false;
    };
    await runDrain(deps, HOOK_DRAIN(), never);
    expect(ops(engine)).toEqual(['update', 'leave']);
    expect(engine.calls.find((c) => c.op === 'update')?.change).toEqual({ availability: 'drain' });
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
  });

  it('manager whose demotion the quorum rule holds: the hook is held with heartbeats past the drain timeout, never completed un-demoted', async () => {
    const { clock, engine, fleet, deps } = setup();
    asManager(engine, 'drain');
    const start = clock.now();
    // Demoted only after half an hour, long after the 20 s drain timeout and many heartbeat timeouts.
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && clock.now() - start > 1_800_000) engine.info_.controlAvailable = false;
    };
    await clock.run(runDrain({ ...deps, drainTimeoutMs: 20_000 }, HOOK_DRAIN(), never));
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    expect(clock.now() - start).toBeGreaterThan(1_800_000);
    // The drain timeout passed long before the demotion: the hook counts as answered at a deadline.
    expect(deps.metrics).toMatchObject({ hooks: [{ result: 'CONTINUE', atDeadline: true }] });
    expect(fleet.heartbeats.length).toBeGreaterThan(1_800_000 / HOOK.heartbeatTimeoutMs);
  });

  it('manager never demoted: completes only at the action\'s hard limit, before its global timeout, without leaving', async () => {
    const { clock, engine, fleet, deps } = setup();
    asManager(engine, 'drain');
    const start = clock.now();
    let completedAt = 0;
    const complete = fleet.completeLifecycleAction.bind(fleet);
    fleet.completeLifecycleAction = async (hook, id, result) => {
      completedAt = clock.now();
      return complete(hook, id, result);
    };
    await clock.run(runDrain({ ...deps, drainTimeoutMs: 20_000 }, HOOK_DRAIN(), never));
    expect(ops(engine)).toEqual([]);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    const global = globalTimeoutMs(HOOK.heartbeatTimeoutMs);
    expect(completedAt - start).toBeGreaterThanOrEqual(global - 2 * HOOK.heartbeatTimeoutMs);
    expect(completedAt - start).toBeLessThan(global);
  });

  it('SIGTERM while a manager waits for its demotion: exits without completing the hook (the next watch resumes it)', async () => {
    const { engine, fleet, deps } = setup();
    asManager(engine, 'drain');
    const stop = new AbortController();
    let polls = 0;
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && ++polls === 3) stop.abort();
    };
    await runDrain(deps, HOOK_DRAIN(), stop.signal);
    expect(ops(engine)).toEqual([]);
    expect(fleet.completions).toEqual([]);
  });

  it('restarted after it had left: only completes the hook', async () => {
    const { engine, fleet, deps } = setup();
    engine.info_.localNodeState = 'inactive';
    await runDrain(deps, HOOK_DRAIN(), never);
    expect(ops(engine)).toEqual([]);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
  });

  it('completes on a fresh deadline even after the drain failed, retrying the completion', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.info = async () => {
      throw new Error('engine gone');
    };
    // The engine never answered: the node may still be a manager, so the drain does not complete on its own ...
    await clock.run(runDrain({ ...deps, drainTimeoutMs: 10_000 }, HOOK_DRAIN(), never));
    expect(fleet.completions).toEqual([]);
    // ... while a worker's drain whose completion is throttled twice still completes.
    const worker = setup();
    worker.engine.info_.localNodeState = 'inactive';
    worker.fleet.completeFailures = [new Error('Throttling'), new Error('Throttling')];
    await worker.clock.run(runDrain(worker.deps, HOOK_DRAIN(), never));
    expect(worker.fleet.completions).toEqual(['i-1:CONTINUE']);
  });

  it('treats an action already over as completed', async () => {
    const { engine, fleet, deps } = setup();
    engine.info_.localNodeState = 'inactive';
    fleet.completeFailures = [new Error('No active Lifecycle Action found with instance ID i-1')];
    await expect(runDrain(deps, HOOK_DRAIN(), never)).resolves.toBeUndefined();
    expect(fleet.completions).toEqual([]);
  });

  it('SIGTERM mid-drain of a worker: finishes within the stop grace and completes the hook', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.localTasks = 5;
    const stop = new AbortController();
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && !stop.signal.aborted) stop.abort();
    };
    const start = clock.now();
    await clock.run(runDrain(deps, HOOK_DRAIN(), stop.signal));
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    expect(clock.now() - start).toBeLessThan(STOP_GRACE_MS + 5_000);
  });

  it('the hook lookup keeps trying through an Auto Scaling outage longer than the drain timeout, then heartbeats and completes', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.info_.localNodeState = 'inactive';
    const start = clock.now();
    const ownGroup = fleet.ownGroup.bind(fleet);
    fleet.ownGroup = async () => {
      if (clock.now() - start < 300_000) throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
      return ownGroup();
    };
    await clock.run(runDrain({ ...deps, drainTimeoutMs: 60_000 }, HOOK_DRAIN(), never));
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    expect(clock.now() - start).toBeGreaterThan(300_000);
  });

  it('spot worker: asks the leader to drain it (tag), waits for its tasks until the notice\'s deadline, leaves, completes nothing', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.localTasks = 4;
    const takenAt = new Date(clock.now() + 120_000).toISOString();
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && fleet.drainRequests.length > 0) engine.localTasks = 0;
    };
    await clock.run(runDrain(deps, spotAt(takenAt), never));
    expect(fleet.drainRequests).toEqual(['i-1:spot']);
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual([]);
    expect(fleet.heartbeats).toEqual([]);
    expect(clock.now()).toBeLessThan(Date.parse(takenAt));
  });

  it('spot manager never demoted in time: does not leave (never by force), so raft keeps its member until the leader reaps it', async () => {
    const { clock, engine, fleet, deps } = setup();
    asManager(engine);
    const takenAt = new Date(clock.now() + 120_000).toISOString();
    await clock.run(runDrain(deps, spotAt(takenAt), never));
    expect(fleet.drainRequests).toEqual(['i-1:spot']);
    expect(ops(engine)).toEqual(['update']);
    expect(clock.now()).toBeLessThan(Date.parse(takenAt));
  });

  it('spot manager demoted by the leader: leaves as a worker, no force', async () => {
    const { engine, fleet, deps } = setup();
    asManager(engine);
    engine.onCall = (op) => {
      if (op === 'update') engine.info_.controlAvailable = false;
    };
    await runDrain(deps, spotAt(new Date(Date.now() + 120_000).toISOString()), never);
    expect(ops(engine)).toEqual(['update', 'leave']);
    expect(fleet.drainRequests).toEqual(['i-1:spot']);
  });

  it('a worker whose heartbeats fail stops waiting before the action could expire, and completes', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.localTasks = 2;
    fleet.recordHeartbeat = async () => {
      throw new Error('AccessDenied');
    };
    const start = clock.now();
    await clock.run(runDrain(deps, HOOK_DRAIN(), never));
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    expect(clock.now() - start).toBeLessThan(HOOK.heartbeatTimeoutMs);
  });
});
