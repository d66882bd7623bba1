import type { FleetInstance } from '../../ports/fleet.js';
import { INSTANCE_ID_LABEL } from './match.js';

/** Every label swarmnode keeps on nodes starts with this; the others are the operator's. */
export const SWARMNODE_LABEL_PREFIX = 'swarmnode.';

/** The node labels DESIGN.md promises, so services can place by AZ, type, group or lifecycle. */
export function desiredLabels(instance: FleetInstance): Record<string, string> {
  const labels: Record<string, string> = {
    'swarmnode.az': instance.availabilityZone,
    [INSTANCE_ID_LABEL]: instance.instanceId,
    'swarmnode.asg': instance.asgName,
    'swarmnode.lifecycle': instance.lifecycle,
  };
  if (instance.instanceType !== undefined) labels['swarmnode.instance-type'] = instance.instanceType;
  return labels;
}

/** Labels whose value is wrong or missing; other labels on the node are the operator's and kept. */
export function labelDrift(current: Readonly<Record<string, string>>, desired: Readonly<Record<string, string>>): string[] {
  return Object.keys(desired).filter((key) => current[key] !== desired[key]);
}
