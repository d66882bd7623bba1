import type { HealthObservation, HealthVerdict } from '../../core/boot/health.js';
import { judgeHealth } from '../../core/boot/health.js';
import type { Engine } from '../../ports/engine.js';

export interface HealthReport extends HealthVerdict {
  observation: HealthObservation;
}

/** Reads the engine (and, on a manager, the node list) and judges membership health. */
export async function checkHealth(engine: Engine): Promise<HealthReport> {
  const info = await engine.info();
  let selfState: string | undefined;
  let leaderExists = false;
  if (info.localNodeState === 'active' && info.controlAvailable) {
    const nodes = await engine.nodes();
    selfState = nodes.find((node) => node.id === info.nodeId)?.state;
    leaderExists = nodes.some((node) => node.manager?.leader === true);
  }
  const observation: HealthObservation = {
    state: info.localNodeState,
    nodeId: info.nodeId,
    controlAvailable: info.controlAvailable,
    remoteManagers: info.remoteManagers.length,
    selfState,
    leaderExists,
  };
  return { ...judgeHealth(observation), observation };
}
