import type { Config, Role } from '../../config/config.js';
import { viewMaxAgeMs } from '../../core/boot/pacing.js';
import type { BackupStore } from '../../ports/backup-store.js';
import type { Fleet, FleetView, OwnGroup } from '../../ports/fleet.js';
import type { InstanceIdentity } from '../../ports/instance-metadata.js';
import type { SecretStore } from '../../ports/secret-store.js';
import type { Services } from '../shared/compose.js';
import { BootObserver } from './observer.js';
import { resolveRole } from './role.js';

/** What IMDS says, free of AWS calls: who this instance is and where its group takes it. */
export interface Whereabouts {
  identity: InstanceIdentity;
  target: string | undefined;
}

export async function whereabouts(services: Services): Promise<Whereabouts> {
  const identity = await services.metadata.identity();
  const target = await services.metadata.targetLifecycleState();
  return { identity, target };
}

/** What boot (and `plan`, which must show exactly what boot would do) learns from AWS before observing. */
export interface Discovery {
  own: OwnGroup | undefined;
  role: Role;
  fleet: Fleet;
  secrets: SecretStore;
  /** undefined: backups are off. */
  backups: BackupStore | undefined;
  observer: BootObserver;
  /** Instances in the cluster's groups: what the backoff between rounds is sized to. */
  fleetSize: number;
}

/**
 * One fleet view (the cluster's groups by tag, their instances' EC2 facts) says which group this
 * instance is in, its lifecycle state and role, and who its peers are; the observer reuses it.
 * Only an instance missing from it (its group lacks the cluster tag, or is not listing it yet)
 * costs the DescribeAutoScalingInstances lookup as well.
 */
export async function discover(config: Config, services: Services, where: Whereabouts, previousRole: Role | undefined, joinVia: string[] = []): Promise<Discovery> {
  const { fleet, secrets, backups } = services.cloud(where.identity);
  const view = await fleet.view(config.cluster, 'manager');
  const own = ownGroupIn(view, where.identity.instanceId) ?? (await fleet.ownGroup(where.identity.instanceId));
  const role = resolveRole(config, own, previousRole);
  const recovery = { auto: config.autoRecover, afterMs: config.recoverAfterMs };
  const observer = new BootObserver({ ...services, fleet, secrets, recovery }, where.identity, role, config.cluster, where.target, { view, viewMaxAgeMs: viewMaxAgeMs(view.instances.length), joinVia });
  return { own, role, fleet, secrets, backups, observer, fleetSize: view.instances.length };
}

function ownGroupIn(view: FleetView, instanceId: string): OwnGroup | undefined {
  const self = view.instances.find((i) => i.instanceId === instanceId);
  const group = view.groups.find((g) => g.name === self?.asgName);
  if (self === undefined || group === undefined) return undefined;
  return { asgName: group.name, lifecycleState: self.lifecycleState, role: group.role, launchingHook: group.launchingHook };
}
