import { describe, expect, it } from 'vitest';
import { backupContent, type SwarmFacts } from '../../../../src/core/backup/content.js';
import { planRestore, type RestorePlan } from '../../../../src/core/backup/restore-plan.js';
import { engineServiceSpec } from '../../../../src/core/backup/service-spec.js';
import { node } from '../watch-fixtures.js';
import { service, swarmFacts } from './fixtures.js';

const backup = backupContent(swarmFacts());

/** A new swarm: ingress and the local networks, its own nodes, nothing else. */
function fresh(over: Partial<SwarmFacts> = {}): SwarmFacts {
  return swarmFacts({
    swarm: { id: 'swarmB', spec: {} },
    networks: swarmFacts().networks.filter((n) => n.name !== 'app-net'),
    configs: [],
    secrets: [],
    services: [],
    nodes: [node('m9', { role: 'manager', leader: true, hostname: 'ip-10-0-0-9' }), node('w9', { hostname: 'ip-10-0-1-1' })],
    ...over,
  });
}

function plan(target: SwarmFacts): RestorePlan {
  return planRestore(backup, { content: backupContent(target), nodes: target.nodes, networkNames: target.networks.map((n) => n.name) });
}

const steps = (p: RestorePlan): string[] => p.steps.map((s) => `${s.kind} ${s.name}`);
const skips = (p: RestorePlan): string[] => p.skipped.map((s) => `${s.kind} ${s.name}: ${s.cause}`);

describe('planRestore', () => {
  it.each<[string, SwarmFacts, string[], string[], RestorePlan['missingSecrets']]>([
    [
      'a new swarm without the secret: networks and configs first, labels, the service that can run; the other waits for its secret',
      fresh(),
      ['network app-net', 'config app-config', 'node-labels ip-10-0-1-1', 'service plain'],
      ['service web: lacking'],
      [{ secret: 'app-secret', services: ['web'] }],
    ],
    [
      'the secret made by hand, run again: only the service that waited',
      swarmFacts({ swarm: { id: 'swarmB', spec: {} }, services: [service('plain', { network: 'app-net', replicas: 1 })] }),
      ['service web'],
      ['network app-net: exists', 'config app-config: exists', 'service plain: exists'],
      [],
    ],
    [
      'the backup\'s own swarm, unchanged: nothing to do',
      swarmFacts(),
      [],
      ['network app-net: exists', 'config app-config: exists', 'service plain: exists', 'service web: exists'],
      [],
    ],
    [
      'what exists with other settings is left alone and said so',
      swarmFacts({ services: [service('web', { network: 'app-net', config: 'app-config', secret: 'app-secret', replicas: 9 }), service('plain', { network: 'app-net', replicas: 1 })] }),
      [],
      ['network app-net: exists', 'config app-config: exists', 'service plain: exists', 'service web: differs'],
      [],
    ],
    [
      'fields the engine filled in with defaults are no difference',
      swarmFacts({ services: swarmFacts().services.map((s) => ({ ...s, spec: { ...s.spec, EndpointSpec: { Mode: 'vip' } } })) }),
      [],
      ['network app-net: exists', 'config app-config: exists', 'service plain: exists', 'service web: exists'],
      [],
    ],
    [
      'the labelled node is gone (no instance, no hostname match): said, not guessed',
      fresh({ nodes: [node('m9', { role: 'manager', hostname: 'ip-10-0-0-9' })] }),
      ['network app-net', 'config app-config', 'service plain'],
      ['node-labels ip-10-0-1-1: no-node', 'service web: lacking'],
      [{ secret: 'app-secret', services: ['web'] }],
    ],
    [
      'a node is found by its instance id first, whatever its hostname now',
      fresh({ nodes: [node('w9', { hostname: 'renamed', labels: { 'swarmnode.instance-id': 'i-w1' } })], secrets: [{ id: 's', name: 'app-secret', labels: {} }] }),
      ['network app-net', 'config app-config', 'node-labels renamed', 'service plain', 'service web'],
      [],
      [],
    ],
    [
      'a label the node has with another value is kept',
      fresh({ nodes: [node('w9', { hostname: 'ip-10-0-1-1', labels: { tier: 'back' } })], secrets: [{ id: 's', name: 'app-secret', labels: {} }] }),
      ['network app-net', 'config app-config', 'service plain', 'service web'],
      ['node-labels ip-10-0-1-1: differs'],
      [],
    ],
  ])('%s', (_, target, wantedSteps, wantedSkips, missing) => {
    const p = plan(target);
    expect(steps(p)).toEqual(wantedSteps);
    expect(skips(p)).toEqual(wantedSkips);
    expect(p.missingSecrets).toEqual(missing);
  });

  it('adds only the missing labels to a matched node', () => {
    const p = plan(fresh());
    expect(p.steps.find((s) => s.kind === 'node-labels')).toEqual({ kind: 'node-labels', name: 'ip-10-0-1-1', nodeId: 'w9', labels: { tier: 'front' } });
  });

  it('lists a backed-up secret no service uses, when this swarm lacks it', () => {
    const withSpare = backupContent(swarmFacts({ secrets: [...swarmFacts().secrets, { id: 'x', name: 'spare', labels: {} }] }));
    const target = fresh();
    const p = planRestore(withSpare, { content: backupContent(target), nodes: target.nodes, networkNames: target.networks.map((n) => n.name) });
    expect(p.missingSecrets).toEqual([{ secret: 'app-secret', services: ['web'] }, { secret: 'spare', services: [] }]);
  });
});

describe('engineServiceSpec', () => {
  const web = backup.services.find((s) => s.name === 'web')!.spec;
  const ids = { networks: new Map([['app-net', 'N2']]), configs: new Map([['app-config', 'C2']]), secrets: new Map([['app-secret', 'S2']]) };

  it('resolves each name to this swarm\'s id', () => {
    const resolved = engineServiceSpec(web, ids);
    expect(resolved).toMatchObject({
      spec: {
        TaskTemplate: {
          Networks: [{ Target: 'N2', Aliases: ['web'] }],
          ContainerSpec: { Configs: [{ ConfigID: 'C2', ConfigName: 'app-config' }], Secrets: [{ SecretID: 'S2', SecretName: 'app-secret' }] },
        },
      },
    });
  });

  it('names what this swarm lacks instead of creating a broken service', () => {
    expect(engineServiceSpec(web, { ...ids, secrets: new Map() })).toEqual({ missing: { networks: [], configs: [], secrets: ['app-secret'] } });
  });
});
