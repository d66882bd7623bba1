import { describe, expect, it } from 'vitest';
import { canTakeOutManager, majorityOf, quorumState, type ManagerMember } from '../../../../src/core/cluster/quorum.js';

const up = (nodeId: string): ManagerMember => ({ nodeId, reachable: true });
const down = (nodeId: string): ManagerMember => ({ nodeId, reachable: false });

describe('quorum', () => {
  it.each([
    [1, 1], [2, 2], [3, 2], [4, 3], [5, 3], [7, 4],
  ])('%i members need %i', (members, needed) => {
    expect(majorityOf(members)).toBe(needed);
  });

  it.each([
    ['3 up', [up('a'), up('b'), up('c')], true, 1],
    ['2 of 3 up', [up('a'), up('b'), down('c')], true, 0],
    ['1 of 3 up', [up('a'), down('b'), down('c')], false, 0],
    ['5 up', [up('a'), up('b'), up('c'), up('d'), up('e')], true, 2],
    ['none', [], false, 0],
  ] as const)('state: %s', (_name, managers, hasQuorum, faultTolerance) => {
    const state = quorumState(managers);
    expect(state.hasQuorum).toBe(hasQuorum);
    expect(state.faultTolerance).toBe(faultTolerance);
  });

  it.each([
    ['demote 1 reachable of 3', [up('a'), up('b'), up('c')], 'c', true],
    ['remove the unreachable 1 of 3', [up('a'), up('b'), down('c')], 'c', true],
    ['demote a reachable while another is down', [up('a'), up('b'), down('c')], 'b', false],
    ['anything when 2 of 3 are down', [up('a'), down('b'), down('c')], 'c', false],
    ['the last manager', [up('a')], 'a', false],
    ['1 of 2 reachable', [up('a'), up('b')], 'b', true],
    ['the unreachable 1 of 2', [up('a'), down('b')], 'b', false],
    ['a reachable one of 5 with 1 down', [up('a'), up('b'), up('c'), up('d'), down('e')], 'a', true],
    ['a reachable one of 5 with 2 down', [up('a'), up('b'), up('c'), down('d'), down('e')], 'a', false],
    ['a down one of 5 with 2 down', [up('a'), up('b'), up('c'), down('d'), down('e')], 'e', true],
    ['a node that is no manager', [up('a'), up('b'), up('c')], 'x', false],
  ] as const)('can take out: %s', (_name, managers, nodeId, allowed) => {
    expect(canTakeOutManager(managers, nodeId).allowed).toBe(allowed);
  });
});
