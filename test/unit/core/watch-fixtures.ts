import type { SwarmNode } from '../../../src/ports/engine.js';
import type { FleetInstance } from '../../../src/ports/fleet.js';

/** A Ready, active, reachable-if-manager node; override what the case is about. */
export function node(id: string, over: Partial<SwarmNode> & { reachability?: string; leader?: boolean } = {}): SwarmNode {
  const { reachability, leader, ...rest } = over;
  const role = rest.role ?? 'worker';
  return {
    id,
    version: 1,
    hostname: `host-${id}`,
    role,
    availability: 'active',
    state: 'ready',
    addr: `10.0.0.${id.replace(/\D/g, '') || '9'}`,
    labels: {},
    manager: role === 'manager' ? { leader: leader ?? false, reachability: reachability ?? 'reachable', addr: '' } : undefined,
    spec: {},
    ...rest,
  };
}

export function instance(instanceId: string, over: Partial<FleetInstance> = {}): FleetInstance {
  return {
    instanceId,
    asgName: 'lab-workers',
    role: 'worker',
    lifecycleState: 'InService',
    healthStatus: 'Healthy',
    availabilityZone: 'eu-west-1a',
    privateIp: undefined,
    instanceType: 't3.small',
    ec2State: 'running',
    lifecycle: 'on-demand',
    drainRequest: undefined,
    ...over,
  };
}

export function labelsOf(i: FleetInstance): Record<string, string> {
  return {
    'swarmnode.az': i.availabilityZone,
    'swarmnode.instance-id': i.instanceId,
    'swarmnode.asg': i.asgName,
    'swarmnode.lifecycle': i.lifecycle,
    'swarmnode.instance-type': i.instanceType ?? '',
  };
}
