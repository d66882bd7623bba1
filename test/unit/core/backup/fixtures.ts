import type { SwarmFacts } from '../../../../src/core/backup/content.js';
import type { SwarmObject } from '../../../../src/ports/swarm-objects.js';
import { node } from '../watch-fixtures.js';

/** A service as GET /services answers it: attachments by network id, configs and secrets with their ids. */
export function service(name: string, uses: { network?: string; config?: string; secret?: string; replicas?: number } = {}): SwarmObject {
  return {
    id: `svc-${name}`,
    spec: {
      Name: name,
      Labels: { team: 'web' },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'busybox:lab',
          Command: ['sleep', '1d'],
          ...(uses.config ? { Configs: [{ File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 292 }, ConfigID: `cfg-${uses.config}`, ConfigName: uses.config }] } : {}),
          ...(uses.secret ? { Secrets: [{ File: { Name: uses.secret, UID: '0', GID: '0', Mode: 292 }, SecretID: `sec-${uses.secret}`, SecretName: uses.secret }] } : {}),
        },
        ...(uses.network ? { Networks: [{ Target: `net-${uses.network}`, Aliases: [name] }] } : {}),
      },
      Mode: { Replicated: { Replicas: uses.replicas ?? 2 } },
    },
  };
}

/**
 * A swarm as a manager reads it: an overlay network (with its allocated VXLAN id), a config, a
 * secret, a service using all three, one using the network only, a worker labelled by the operator.
 */
export function swarmFacts(over: Partial<SwarmFacts> = {}): SwarmFacts {
  return {
    swarm: { id: 'swarmA', spec: { Name: 'default', Orchestration: { TaskHistoryRetentionLimit: 5 } } },
    networks: [
      { id: 'net-ingress', name: 'ingress', scope: 'swarm', ingress: true, spec: { Name: 'ingress', Driver: 'overlay' } },
      { id: 'net-host', name: 'host', scope: 'local', ingress: false, spec: { Name: 'host', Driver: 'host' } },
      {
        id: 'net-app-net',
        name: 'app-net',
        scope: 'swarm',
        ingress: false,
        spec: {
          Name: 'app-net',
          Driver: 'overlay',
          Scope: 'swarm',
          Attachable: true,
          IPAM: { Driver: 'default', Config: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] },
          Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4097', encrypted: '' },
          Labels: { tier: 'app' },
        },
      },
    ],
    configs: [{ id: 'cfg-app-config', spec: { Name: 'app-config', Labels: {}, Data: Buffer.from('listen 8080\n').toString('base64') } }],
    secrets: [{ id: 'sec-app-secret', name: 'app-secret', labels: { owner: 'ops' } }],
    services: [service('web', { network: 'app-net', config: 'app-config', secret: 'app-secret' }), service('plain', { network: 'app-net', replicas: 1 })],
    nodes: [
      node('m1', { role: 'manager', leader: true, hostname: 'ip-10-0-0-1', labels: { 'swarmnode.instance-id': 'i-m1', 'swarmnode.az': 'a' } }),
      node('w1', { hostname: 'ip-10-0-1-1', labels: { 'swarmnode.instance-id': 'i-w1', tier: 'front' } }),
    ],
    ...over,
  };
}
