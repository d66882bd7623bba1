import type { CommandContext } from '../../cli/command.js';
import { buildStatus } from '../../core/status/report.js';
import { UsageError } from '../../errors/usage-error.js';
import type { Engine, SwarmNode } from '../../ports/engine.js';
import { compose } from '../shared/compose.js';
import { formatStatus } from './format.js';

/** A manager without quorum refuses the node list with this; status then reports the loss instead. */
const NO_LEADER = /does not have a leader|too few managers are online|rpc error: code = (Unavailable|DeadlineExceeded)/i;

async function nodesOrLostQuorum(engine: Engine): Promise<SwarmNode[] | undefined> {
  try {
    return await engine.nodes();
  } catch (error) {
    if (NO_LEADER.test(error instanceof Error ? error.message : String(error))) return undefined;
    throw error;
  }
}

/** `swarmnode status`: exit 0, or 1 when quorum is lost (the report says what to do). */
export async function run(context: CommandContext): Promise<number> {
  const services = compose(context.config);
  const info = await services.engine.info();
  if (info.localNodeState !== 'active' || !info.controlAvailable) {
    throw new UsageError(`status needs a manager: this engine is ${info.localNodeState || 'in no swarm'}${info.controlAvailable ? '' : ', not a manager'}`, 'run `swarmnode status` on a manager node');
  }
  const identity = await services.metadata.identity();
  const { fleet } = services.cloud(identity);
  const [view, nodes] = await Promise.all([fleet.view(context.config.cluster), nodesOrLostQuorum(services.engine)]);
  const report = buildStatus({ fleet: view, nodes, selfAddress: identity.localIpv4 });
  context.log.info({ rows: report.rows.length, quorum: report.quorum, quorumLost: report.quorumLost }, 'status gathered');
  context.out(context.options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  return report.quorumLost ? 1 : 0;
}
