import type { CommandContext } from '../../cli/command.js';
import { SwarmnodeError } from '../../errors/swarmnode-error.js';
import { compose } from '../shared/compose.js';
import { checkHealth } from './check.js';

/** `swarmnode health`: exit 0 when this node is a healthy member, 1 otherwise (an engine that is down too). */
export async function run({ config, options, log, out }: CommandContext): Promise<number> {
  const { engine } = compose(config);
  try {
    const report = await checkHealth(engine);
    log.info({ health: report }, report.reason);
    out(options.json ? `${JSON.stringify(report)}\n` : `${report.healthy ? 'healthy' : 'unhealthy'}: ${report.reason}\n`);
    return report.healthy ? 0 : 1;
  } catch (error) {
    if (!(error instanceof SwarmnodeError)) throw error;
    log.warn({ error: error.name }, error.message);
    out(options.json ? `${JSON.stringify({ healthy: false, reason: error.message, action: error.action })}\n` : `unhealthy: ${error.message}\n`);
    return 1;
  }
}
