import type { Config, Role } from '../../config/config.js';
import { ConfigError } from '../../errors/config-error.js';
import type { OwnGroup } from '../../ports/fleet.js';

/**
 * SWARMNODE_ROLE wins; else the `swarmnode:role` tag of the instance's ASG; else the role the last
 * boot of this instance had (an instance detached from its group keeps its role); else nothing can
 * be decided.
 */
export function resolveRole(config: Pick<Config, 'role'>, own: OwnGroup | undefined, previousRole: Role | undefined = undefined): Role {
  const role = config.role ?? own?.role ?? previousRole;
  if (role) return role;
  throw new ConfigError([
    {
      key: 'SWARMNODE_ROLE',
      value: undefined,
      expected: own
        ? `manager or worker (ASG ${own.asgName} has no swarmnode:role tag to take it from)`
        : 'manager or worker (this instance is in no Auto Scaling group to take a swarmnode:role tag from)',
    },
  ]);
}
