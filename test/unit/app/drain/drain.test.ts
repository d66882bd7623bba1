import { describe, expect, it } from 'vitest';
import { runDrain, STOP_GRACE_MS, type DrainDeps } from '../../../../src/app/drain/drain.js';
import { node } from '../../core/watch-fixtures.js';
import { FakeClock, FakeEngine, FakeFleet, HOOK, silentLog } from '../watch-fakes.js';

function setup(): { clock: FakeClock; engine: FakeEngine; fleet: FakeFleet; deps: DrainDeps } {
  const clock = new FakeClock();
  const engine = new FakeEngine();
  const fleet = new FakeFleet(clock);
  const deps: DrainDeps = { engine: engine.asEngine(), fleet: fleet.asFleet(), clock, log: silentLog, instanceId: 'i-1', drainTimeoutMs: 600_000, pollIntervalMs: 1_000 };
  return { clock, engine, fleet, deps };
}

const ops = (engine: FakeEngine): string[] => engine.calls.filter((c) => c.op !== 'localTaskCount').map((c) => `${c.op}${c.force === undefined ? '' : c.force ? ' --force' : ''}`);
const never = new AbortController().signal;

describe('runDrain', () => {
  it('worker: waits while its task containers run, then leaves and completes CONTINUE, heartbeating meanwhile', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.localTasks = 3;
    const start = clock.now();
    // The leader drains the worker after a while: its containers leave one by one.
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && clock.now() - start > 40_000) engine.localTasks = Math.max(0, engine.localTasks - 1);
    };
    await runDrain(deps, 'hook', never);
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    // The drain outlived HeartbeatTimeout (30 s): heartbeats kept the action alive.
    expect(fleet.heartbeats.length).toBeGreaterThan(1);
  });

  it('manager: drains itself, waits for the leader to demote it, then leaves', async () => {
    const { engine, fleet, deps } = setup();
    engine.info_.controlAvailable = true;
    engine.nodeList = [node('self', { role: 'manager' })];
    let polls = 0;
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && ++polls === 3) engine.info_.controlAvailable = false;
    };
    await runDrain(deps, 'hook', never);
    expect(ops(engine)).toEqual(['update', 'leave']);
    expect(engine.calls.find((c) => c.op === 'update')?.change).toEqual({ availability: 'drain' });
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
  });

  it('manager never demoted: does not leave, completes the hook at the drain timeout', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.info_.controlAvailable = true;
    engine.nodeList = [node('self', { role: 'manager', availability: 'drain' })];
    const start = clock.now();
    await runDrain({ ...deps, drainTimeoutMs: 20_000 }, 'hook', never);
    expect(ops(engine)).toEqual([]);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    expect(clock.now() - start).toBeLessThan(20_000 + 5_000);
  });

  it('restarted after it had left: only completes the hook', async () => {
    const { engine, fleet, deps } = setup();
    engine.info_.localNodeState = 'inactive';
    await runDrain(deps, 'hook', never);
    expect(ops(engine)).toEqual([]);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
  });

  it('completes on a fresh deadline even after the drain failed, retrying the completion', async () => {
    const { engine, fleet, deps } = setup();
    engine.info = async () => {
      throw new Error('engine gone');
    };
    fleet.completeFailures = [new Error('Throttling'), new Error('Throttling')];
    await runDrain({ ...deps, drainTimeoutMs: 10_000 }, 'hook', never);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
  });

  it('treats an action already over as completed', async () => {
    const { engine, fleet, deps } = setup();
    engine.info_.localNodeState = 'inactive';
    fleet.completeFailures = [new Error('No active Lifecycle Action found with instance ID i-1')];
    await expect(runDrain(deps, 'hook', never)).resolves.toBeUndefined();
    expect(fleet.completions).toEqual([]);
  });

  it('SIGTERM mid-drain: finishes within the stop grace and completes the hook', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.localTasks = 5;
    const stop = new AbortController();
    engine.onCall = (op) => {
      if (op === 'localTaskCount' && !stop.signal.aborted) stop.abort();
    };
    const start = clock.now();
    await runDrain(deps, 'hook', stop.signal);
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    expect(clock.now() - start).toBeLessThan(STOP_GRACE_MS + 5_000);
  });

  it('no hook (spot): leaves at once without waiting for tasks, completes nothing', async () => {
    const { engine, fleet, deps } = setup();
    engine.localTasks = 4;
    fleet.hook_ = undefined;
    await runDrain(deps, 'spot', never);
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual([]);
    expect(fleet.heartbeats).toEqual([]);
  });

  it('stops draining before the action could expire when heartbeats fail', async () => {
    const { clock, engine, fleet, deps } = setup();
    engine.localTasks = 2;
    fleet.recordHeartbeat = async () => {
      throw new Error('AccessDenied');
    };
    const start = clock.now();
    await runDrain(deps, 'hook', never);
    expect(ops(engine)).toEqual(['leave']);
    expect(fleet.completions).toEqual(['i-1:CONTINUE']);
    expect(clock.now() - start).toBeLessThan(HOOK.heartbeatTimeoutMs);
  });
});
