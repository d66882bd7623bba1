import { describe, expect, it } from 'vitest';
import { transitionTime } from '../../../src/adapters/aws/aws-fleet.js';
import { parseClusterRecord } from '../../../src/adapters/aws/ssm-kms-secret-store.js';

describe('the cluster record as any release wrote it', () => {
  it('reads a record with generation and managers as written', () => {
    const record = { swarmId: 's2', generation: 2, createdAt: 't', createdBy: 'i-1', managers: [{ instanceId: 'i-1', addr: '10.0.0.1', nodeId: 'n1' }] };
    expect(parseClusterRecord(JSON.stringify(record))).toEqual(record);
  });

  it('keeps the last recovery as written', () => {
    const record = { swarmId: 's2', generation: 2, createdAt: 't', createdBy: 'i-1', managers: [], recovered: { lock: 'recover-g2-s2-abc', holder: 'i-4', nodeId: 'n4', lost: ['n2', 'n3'] } };
    expect(parseClusterRecord(JSON.stringify(record))).toEqual(record);
  });

  it('a record from before generations is the first generation; its address-only managers prove nothing gone', () => {
    expect(parseClusterRecord(JSON.stringify({ swarmId: 's1', createdAt: 't', createdBy: 'i-1', managers: ['10.0.0.1'] }))).toEqual({
      swarmId: 's1',
      generation: 1,
      createdAt: 't',
      createdBy: 'i-1',
      managers: [{ instanceId: '', addr: '10.0.0.1', nodeId: '' }],
    });
  });
});

describe('transitionTime: when EC2 says an instance began to go', () => {
  it.each([
    ['User initiated (2017-10-10 21:18:52 GMT)', Date.parse('2017-10-10T21:18:52Z')],
    ['Service initiated (2024-05-01 00:00:01 GMT)', Date.parse('2024-05-01T00:00:01Z')],
    ['', undefined],
    [undefined, undefined],
    ['Server.SpotInstanceTermination: Spot instance termination', undefined],
  ])('%s', (reason, expected) => {
    expect(transitionTime(reason)).toBe(expected);
  });
});
