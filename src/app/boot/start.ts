import type { Config, Role } from '../../config/config.js';
import { noJoinReason } from '../../core/boot/plan.js';
import type { Fleet, OwnGroup } from '../../ports/fleet.js';
import type { InstanceIdentity } from '../../ports/instance-metadata.js';
import type { SecretStore } from '../../ports/secret-store.js';
import { BootObserver } from './observer.js';
import { resolveRole } from './role.js';
import type { Services } from '../shared/compose.js';

/** Where boot (and `plan`, which must show exactly what boot would do) stands before observing. */
export type BootStart =
  | { kind: 'no-join'; identity: InstanceIdentity; target: string | undefined; reason: string }
  | { kind: 'observe'; identity: InstanceIdentity; target: string | undefined; own: OwnGroup | undefined; role: Role; fleet: Fleet; secrets: SecretStore; observer: BootObserver };

/**
 * Who and where this instance is. A target that must not join (warm pool, scale-in) ends here,
 * before any AWS call: such an instance may have no role to resolve.
 */
export async function startBoot(config: Config, services: Services): Promise<BootStart> {
  const identity = await services.metadata.identity();
  const target = await services.metadata.targetLifecycleState();
  const reason = noJoinReason(target);
  if (reason !== undefined) return { kind: 'no-join', identity, target, reason };
  const { fleet, secrets } = services.cloud(identity);
  const own = await fleet.ownGroup(identity.instanceId);
  const role = resolveRole(config, own);
  const observer = new BootObserver({ ...services, fleet, secrets }, identity, role, config.cluster, target);
  return { kind: 'observe', identity, target, own, role, fleet, secrets, observer };
}
