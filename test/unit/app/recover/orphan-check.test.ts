import { describe, expect, it } from 'vitest';
import { OrphanCheck } from '../../../../src/app/recover/orphan-check.js';
import { FakeProbe } from '../boot-fakes.js';
import { FakeClock, FakeEngine, silentLog } from '../watch-fakes.js';

const SILENCE = 120_000;

function setup() {
  const clock = new FakeClock();
  const engine = new FakeEngine();
  engine.info_ = { ...engine.info_, controlAvailable: false, remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.1:2377' }, { nodeId: 'm2', addr: '10.0.0.2:2377' }] };
  const probe = new FakeProbe();
  let boots = 0;
  const check = new OrphanCheck({ engine: engine.asEngine(), probe, clock, log: silentLog, silenceMs: SILENCE, boot: async () => void boots++ });
  return { clock, engine, probe, check, boots: () => boots };
}

describe('OrphanCheck (a node cut off from its swarm by itself)', () => {
  it('any of its managers answers: nothing, ever', async () => {
    const { clock, probe, check, boots } = setup();
    probe.open.add('10.0.0.2');
    for (let i = 0; i < 10; i++) {
      await check.round();
      await clock.sleep(SILENCE);
    }
    expect(boots()).toBe(0);
  });

  it('none answers for SWARMNODE_RECOVER_AFTER: boot\'s procedure looks at the cluster once, then the count starts again', async () => {
    const { clock, check, boots } = setup();
    await check.round();
    await clock.sleep(SILENCE - 1);
    await check.round();
    expect(boots()).toBe(0);
    await clock.sleep(1);
    await check.round();
    expect(boots()).toBe(1);
    await check.round();
    expect(boots()).toBe(1);
  });

  it('an answer in between restarts the count', async () => {
    const { clock, probe, check, boots } = setup();
    await check.round();
    await clock.sleep(SILENCE / 2);
    probe.open.add('10.0.0.1');
    await check.round();
    probe.open.clear();
    await clock.sleep(SILENCE / 2);
    await check.round();
    await clock.sleep(SILENCE / 2);
    await check.round();
    expect(boots()).toBe(0);
  });

  it("a manager is the quorum monitor's business, an inactive engine boot's", async () => {
    const { clock, engine, check, boots } = setup();
    engine.info_ = { ...engine.info_, controlAvailable: true };
    await check.round();
    await clock.sleep(SILENCE);
    await check.round();
    engine.info_ = { ...engine.info_, controlAvailable: false, localNodeState: 'inactive' };
    await check.round();
    await clock.sleep(SILENCE);
    await check.round();
    expect(boots()).toBe(0);
  });

  it('an engine left locked (boot failed before unlocking it): boot\'s procedure at once, then again every SWARMNODE_RECOVER_AFTER while it stays locked', async () => {
    const { clock, engine, probe, check, boots } = setup();
    probe.open.add('10.0.0.1');
    engine.info_ = { ...engine.info_, localNodeState: 'locked', nodeId: '' };
    await check.round();
    expect(boots()).toBe(1);
    await clock.sleep(SILENCE - 1);
    await check.round();
    expect(boots()).toBe(1);
    await clock.sleep(1);
    await check.round();
    expect(boots()).toBe(2);
    engine.info_ = { ...engine.info_, localNodeState: 'active', nodeId: 'w1' };
    await clock.sleep(SILENCE);
    await check.round();
    expect(boots()).toBe(2);
  });
});
