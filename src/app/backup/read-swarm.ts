import type { SwarmFacts } from '../../core/backup/content.js';
import type { Engine } from '../../ports/engine.js';
import type { SwarmObjects } from '../../ports/swarm-objects.js';

/** Everything a backup holds, read from the local manager at once. */
export async function readSwarmFacts(objects: SwarmObjects, engine: Engine): Promise<SwarmFacts> {
  const [swarm, services, networks, configs, secrets, nodes] = await Promise.all([
    objects.swarm(),
    objects.services(),
    objects.networks(),
    objects.configs(),
    objects.secrets(),
    engine.nodes(),
  ]);
  return { swarm, services, networks, configs, secrets, nodes };
}
