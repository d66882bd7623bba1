import { describe, expect, it } from 'vitest';
import { knownManagers } from '../../../../src/core/recover/known-managers.js';
import type { ClusterRecord } from '../../../../src/ports/secret-store.js';

const record = (managers: ClusterRecord['managers']): ClusterRecord => ({ swarmId: 's', generation: 1, createdAt: '', createdBy: 'i-1', managers });

describe('knownManagers', () => {
  it('a manager listed by the record and by its own entry counts once', () => {
    const m = { instanceId: 'i-1', addr: '10.0.0.1', nodeId: 'n1' };
    expect(knownManagers(record([m]), [{ ...m }])).toEqual([m]);
  });

  it('an entry written before the leader saw the manager adds it', () => {
    expect(knownManagers(record([{ instanceId: 'i-1', addr: '10.0.0.1', nodeId: 'n1' }]), [{ instanceId: 'i-2', addr: '10.0.0.2', nodeId: 'n2' }]).map((m) => m.instanceId)).toEqual(['i-1', 'i-2']);
  });

  it('a node the record lists without an instance (detached: in no group) takes the instance its own entry names, once', () => {
    const known = knownManagers(record([{ instanceId: '', addr: '10.0.0.7', nodeId: 'n7' }]), [{ instanceId: 'i-7', addr: '10.0.0.7', nodeId: 'n7' }]);
    expect(known).toEqual([{ instanceId: 'i-7', addr: '10.0.0.7', nodeId: 'n7' }]);
  });

  it('a manager that left and rejoined (a new node id) counts once: under the raft member\'s id, else as its own entry says', () => {
    const old = { instanceId: 'i-2', addr: '10.0.0.2', nodeId: 'n2-old' };
    const rejoined = { instanceId: 'i-2', addr: '10.0.0.2', nodeId: 'n2-new' };
    expect(knownManagers(record([old]), [rejoined], ['n1', 'n2-new'])).toEqual([rejoined]);
    expect(knownManagers(record([rejoined]), [old], ['n2-new'])).toEqual([rejoined]);
    expect(knownManagers(record([old]), [rejoined])).toEqual([rejoined]);
  });

  it('a record written before node ids keeps its entries as they are', () => {
    const old = { instanceId: '', addr: '10.0.0.1', nodeId: '' };
    expect(knownManagers(record([old]), [])).toEqual([old]);
  });
});
