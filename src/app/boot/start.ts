import type { Config, Role } from '../../config/config.js';
import type { BackupStore } from '../../ports/backup-store.js';
import type { Fleet, OwnGroup } from '../../ports/fleet.js';
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
}

export async function discover(config: Config, services: Services, where: Whereabouts, previousRole: Role | undefined): Promise<Discovery> {
  const { fleet, secrets, backups } = services.cloud(where.identity);
  const own = await fleet.ownGroup(where.identity.instanceId);
  const role = resolveRole(config, own, previousRole);
  const recovery = { auto: config.autoRecover, afterMs: config.recoverAfterMs };
  const observer = new BootObserver({ ...services, fleet, secrets, recovery }, where.identity, role, config.cluster, where.target);
  return { own, role, fleet, secrets, backups, observer };
}
