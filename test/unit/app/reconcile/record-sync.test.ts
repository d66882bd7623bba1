import { describe, expect, it } from 'vitest';
import { RECORD_RECHECK_MS, RecordSync } from '../../../../src/app/reconcile/record-sync.js';
import { FakeClock, FakeFleet, FakeSecrets, silentLog } from '../watch-fakes.js';

const m = (n: number) => ({ instanceId: `i-${n}`, addr: `10.0.0.${n}`, nodeId: `n${n}` });

function setup() {
  const clock = new FakeClock();
  const secrets = new FakeSecrets();
  secrets.cluster = { swarmId: 'swarm-a', generation: 2, createdAt: 't', createdBy: 'i-1', managers: [m(1)] };
  let reads = 0;
  const read = secrets.readCluster.bind(secrets);
  secrets.readCluster = async () => {
    reads++;
    return read();
  };
  const fleet = new FakeFleet(clock);
  return { clock, secrets, fleet, sync: new RecordSync(secrets.asStore(), fleet.asFleet(), clock, silentLog), reads: () => reads };
}

describe('RecordSync: the record\'s managers follow the raft', () => {
  it('writes the raft members when they differ, keeping the rest of the record', async () => {
    const { secrets, sync } = setup();
    await sync.keep('swarm-a', [m(3), m(1), m(2)]);
    expect(secrets.cluster).toEqual({ swarmId: 'swarm-a', generation: 2, createdAt: 't', createdBy: 'i-1', managers: [m(1), m(2), m(3)] });
    expect(secrets.writes).toEqual(['cluster']);
  });

  it('a steady raft costs one read per RECORD_RECHECK_MS and no write', async () => {
    const { clock, secrets, sync, reads } = setup();
    for (let i = 0; i < 10; i++) {
      await sync.keep('swarm-a', [m(1)]);
      await clock.sleep(RECORD_RECHECK_MS / 10);
    }
    expect(reads()).toBe(1);
    await sync.keep('swarm-a', [m(1)]);
    expect(reads()).toBe(2);
    expect(secrets.writes).toEqual([]);
  });

  it('a member change is written at once, whatever the recheck period', async () => {
    const { secrets, sync } = setup();
    await sync.keep('swarm-a', [m(1)]);
    await sync.keep('swarm-a', [m(1), m(4)]);
    expect(secrets.cluster?.managers).toEqual([m(1), m(4)]);
  });

  it('drops the own entries of managers out of the raft that EC2 reports terminated or no longer knows, keeps the others', async () => {
    const { secrets, fleet, sync } = setup();
    for (const n of [1, 2, 3, 4]) secrets.registrations.set(`i-${n}`, m(n));
    fleet.ec2.set('i-2', 'terminated');
    fleet.ec2.set('i-3', 'running');
    await sync.keep('swarm-a', [m(1)]);
    expect([...secrets.registrations.keys()].sort()).toEqual(['i-1', 'i-3']);
  });

  it('a member in no group (detached, so the fleet view names no instance for it) is recorded with the instance of its own entry, and that entry is kept', async () => {
    const { clock, secrets, fleet, sync } = setup();
    secrets.registrations.set('i-7', m(7));
    fleet.ec2.set('i-7', 'terminated');
    await sync.keep('swarm-a', [m(1), { ...m(7), instanceId: '' }]);
    expect(secrets.cluster?.managers).toEqual([m(1), m(7)]);
    // Still a raft member: its entry is what lets recovery prove it gone once it is.
    expect(secrets.registrations.has('i-7')).toBe(true);
    // Written once: the rechecks compare the record with the members as written.
    await clock.sleep(RECORD_RECHECK_MS);
    await sync.keep('swarm-a', [m(1), { ...m(7), instanceId: '' }]);
    expect(secrets.writes.filter((w) => w === 'cluster')).toHaveLength(1);
  });

  it('the entry of a member under a node id it no longer has (it left and rejoined) goes: the record names it now', async () => {
    const { secrets, sync } = setup();
    secrets.registrations.set('i-2', { ...m(2), nodeId: 'n2-old' });
    await sync.keep('swarm-a', [m(1), m(2)]);
    expect(secrets.registrations.has('i-2')).toBe(false);
    expect(secrets.cluster?.managers).toEqual([m(1), m(2)]);
  });

  it('never touches a record of another swarm, nor writes a missing one', async () => {
    const { secrets, sync } = setup();
    await sync.keep('swarm-b', [m(5)]);
    secrets.cluster = undefined;
    await sync.keep('swarm-a', [m(5)]);
    expect(secrets.writes).toEqual([]);
  });
});
