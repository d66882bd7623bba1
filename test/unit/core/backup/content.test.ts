import { describe, expect, it } from 'vitest';
import { backupContent } from '../../../../src/core/backup/content.js';
import { contentHash } from '../../../../src/core/backup/content-hash.js';
import { buildBackup } from '../../../../src/core/backup/document.js';
import { node } from '../watch-fixtures.js';
import { service, swarmFacts } from './fixtures.js';

const origin = { cluster: 'lab', swarmId: 'swarmA', generation: 2, createdAt: Date.parse('2024-05-01T09:30:00Z'), createdBy: 'i-m1' };

describe('backupContent', () => {
  const content = backupContent(swarmFacts());

  it('keeps the swarm\'s own networks, without ingress, local networks or allocated options', () => {
    expect(content.networks).toEqual([
      {
        name: 'app-net',
        spec: expect.objectContaining({ Name: 'app-net', Driver: 'overlay', Attachable: true, Options: { encrypted: '' }, Labels: { tier: 'app' } }),
      },
    ]);
  });

  it('keeps configs with their data, secrets with their name and labels only', () => {
    expect(content.configs).toEqual([{ name: 'app-config', spec: { Name: 'app-config', Labels: {}, Data: Buffer.from('listen 8080\n').toString('base64') } }]);
    expect(content.secrets).toEqual([{ name: 'app-secret', labels: { owner: 'ops' } }]);
  });

  it('writes services portable: networks by name, configs and secrets by name without their ids', () => {
    const web = content.services.find((s) => s.name === 'web')?.spec as { TaskTemplate: Record<string, any> };
    expect(web.TaskTemplate.Networks).toEqual([{ Target: 'app-net', Aliases: ['web'] }]);
    expect(web.TaskTemplate.ContainerSpec.Configs).toEqual([{ File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 292 }, ConfigName: 'app-config' }]);
    expect(web.TaskTemplate.ContainerSpec.Secrets).toEqual([{ File: { Name: 'app-secret', UID: '0', GID: '0', Mode: 292 }, SecretName: 'app-secret' }]);
    expect(JSON.stringify(content)).not.toMatch(/cfg-|sec-|net-app/);
  });

  it('keeps the operator\'s node labels with what finds the node again, not the labels swarmnode derives from EC2', () => {
    expect(content.nodes).toEqual([{ hostname: 'ip-10-0-1-1', instanceId: 'i-w1', labels: { tier: 'front' } }]);
  });

  it('lists the secrets a restore needs made by hand, with the services that need them', () => {
    expect(buildBackup(origin, content).requiredSecrets).toEqual([{ secret: 'app-secret', services: ['web'] }]);
  });
});

describe('content hash: what counts as a change', () => {
  const base = contentHash(backupContent(swarmFacts()));

  it.each<[string, Parameters<typeof swarmFacts>[0], boolean]>([
    ['the same swarm read again', {}, false],
    ['objects listed in another order', { services: [...swarmFacts().services].reverse(), networks: [...swarmFacts().networks].reverse() }, false],
    ['a new overlay VXLAN id (allocation, not desired state)', { networks: swarmFacts().networks.map((n) => (n.name === 'app-net' ? { ...n, spec: { ...n.spec, Options: { encrypted: '', 'com.docker.network.driver.overlay.vxlanid_list': '4242' } } } : n)) }, false],
    ['objects with new ids (another swarm, same desired state)', { services: [service('web', { network: 'app-net', config: 'app-config', secret: 'app-secret' }), service('plain', { network: 'app-net', replicas: 1 })].map((s) => ({ ...s, id: `${s.id}-2` })) }, false],
    ['a node added without labels of the operator\'s', { nodes: [swarmFacts().nodes[0]!, swarmFacts().nodes[1]!, node('w2', { labels: { 'swarmnode.instance-id': 'i-w2' } })] }, false],
    ['a service scaled', { services: [service('web', { network: 'app-net', config: 'app-config', secret: 'app-secret', replicas: 5 }), service('plain', { network: 'app-net', replicas: 1 })] }, true],
    ['a new config', { configs: [...swarmFacts().configs, { id: 'c2', spec: { Name: 'other', Data: 'eA==' } }] }, true],
    ['an operator node label changed', { nodes: [swarmFacts().nodes[0]!, node('w1', { hostname: 'ip-10-0-1-1', labels: { 'swarmnode.instance-id': 'i-w1', tier: 'back' } })] }, true],
    ['a secret removed', { secrets: [] }, true],
  ])('%s: changed %s', (_, over, changed) => {
    expect(contentHash(backupContent(swarmFacts(over))) !== base).toBe(changed);
  });
});
