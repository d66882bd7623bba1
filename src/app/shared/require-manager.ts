import { UsageError } from '../../errors/usage-error.js';
import type { Engine, EngineInfo } from '../../ports/engine.js';

/** The engine's /info, refusing (exit 64) an engine that is no active manager: the command needs the swarm's control API. */
export async function requireManager(engine: Engine, command: string, hint = `run \`swarmnode ${command}\` on a manager node`): Promise<EngineInfo> {
  const info = await engine.info();
  if (info.localNodeState !== 'active' || !info.controlAvailable) {
    throw new UsageError(`${command} needs a manager: this engine is ${info.localNodeState || 'in no swarm'}${info.controlAvailable ? '' : ', not a manager'}`, hint);
  }
  return info;
}
