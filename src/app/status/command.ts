import type { CommandContext } from '../../cli/command.js';
import { buildStatus, type StatusReport } from '../../core/status/report.js';
import { UsageError } from '../../errors/usage-error.js';
import type { Engine, SwarmNode } from '../../ports/engine.js';
import { compose, type Services } from '../shared/compose.js';
import { pause } from '../shared/pause.js';
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

/** Home and clear screen: a terminal redraws the tables in place. */
const REDRAW = '\x1b[H\x1b[2J';

async function gather(context: CommandContext, services: Services): Promise<StatusReport> {
  const info = await services.engine.info();
  if (info.localNodeState !== 'active' || !info.controlAvailable) {
    throw new UsageError(`status needs a manager: this engine is ${info.localNodeState || 'in no swarm'}${info.controlAvailable ? '' : ', not a manager'}`, 'run `swarmnode status` on a manager node');
  }
  const identity = await services.metadata.identity();
  const { fleet } = services.cloud(identity);
  const [view, nodes] = await Promise.all([fleet.view(context.config.cluster), nodesOrLostQuorum(services.engine)]);
  const report = buildStatus({ fleet: view, nodes, selfAddress: identity.localIpv4 });
  context.log.info({ rows: report.rows.length, quorum: report.quorum, quorumLost: report.quorumLost }, 'status gathered');
  return report;
}

function render(context: CommandContext, report: StatusReport): string {
  return context.options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report);
}

/**
 * `swarmnode status`: exit 0, or 1 when quorum is lost (the report says what to do). `--watch`
 * redraws every poll interval until SIGINT/SIGTERM (exit 0); a round that fails shows why and the
 * next one tries again.
 */
export async function run(context: CommandContext): Promise<number> {
  const services = compose(context.config);
  if (context.options.watch !== true) {
    const report = await gather(context, services);
    context.out(render(context, report));
    return report.quorumLost ? 1 : 0;
  }
  while (!context.signal.aborted) {
    const frame = await gather(context, services).then(
      (report) => render(context, report),
      (error: unknown) => {
        if (error instanceof UsageError) throw error;
        return `status unavailable: ${error instanceof Error ? error.message : String(error)}\n`;
      },
    );
    context.out(`${REDRAW}${new Date(services.clock.now()).toISOString()}  (every ${context.config.pollIntervalMs / 1000}s, Ctrl-C to stop)\n\n${frame}`);
    await pause(services.clock, context.config.pollIntervalMs, context.signal);
  }
  return 0;
}
