import { pino } from 'pino';
import type { Server } from 'node:http';
import { SwarmnodeError } from '../../src/errors/swarmnode-error.js';
import { serveControl } from './control-server.js';
import type { ScheduledEventCode, SpotAction, WarmPoolSpec } from './fake-aws/types.js';
import { findInstance } from './instance-ref.js';
import { Lab, type LabOptions } from './lab.js';
import { LabPaths } from './lab-paths.js';
import { labStatus } from './lab-status.js';

/**
 * The process that holds a lab started by `npm run lab -- up`: it owns the Lab (fake AWS, engines,
 * agents) and answers the CLI's commands on a unix socket in the lab dir. Started detached; tells
 * its parent over IPC whether the lab came up.
 */
const log = pino({ base: { lab: 'daemon' } });
const opts = JSON.parse(process.argv[2] ?? '{}') as LabOptions & { name: string };
const paths = new LabPaths(opts.name);

function instanceArg(lab: Lab, args: Record<string, unknown>): string {
  return findInstance(lab.instances(), String(args['instance'])).instanceId;
}

function groupArg(lab: Lab, group: string): string {
  // `managers` is short for `<cluster>-managers`.
  return lab.cloud.group(group) === undefined && lab.cloud.group(`${lab.cluster}-${group}`) !== undefined ? `${lab.cluster}-${group}` : group;
}

async function main(): Promise<void> {
  let lab: Lab;
  try {
    lab = await Lab.start(opts);
  } catch (err) {
    const e = err instanceof SwarmnodeError ? err : undefined;
    log.error({ err }, 'lab did not come up');
    process.send?.({ ok: false, message: err instanceof Error ? err.message : String(err), action: e?.action ?? 'see the error above', exitCode: e?.exitCode ?? 1 });
    process.exitCode = e?.exitCode ?? 1;
    return;
  }
  let server: Server | undefined;
  let stopping = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'lab going down');
    await lab.down();
    server?.close();
    log.info('lab is down');
  };
  server = await serveControl(paths.controlSocket, async (method, args) => {
    log.info({ method, args }, 'command');
    switch (method) {
      case 'status':
        return labStatus(lab);
      case 'instances':
        return lab.instances();
      case 'scale':
        return lab.scale(groupArg(lab, String(args['group'])), Number(args['n']));
      case 'terminate':
        return lab.terminate(instanceArg(lab, args), { decrement: args['decrement'] === true });
      case 'crash':
        return lab.crash(instanceArg(lab, args));
      case 'reboot':
        return lab.reboot(instanceArg(lab, args));
      case 'partition':
        return lab.partition(instanceArg(lab, args));
      case 'heal':
        return lab.heal(instanceArg(lab, args));
      case 'warm-pool':
        return lab.putWarmPool(groupArg(lab, String(args['group'])), args['pool'] as WarmPoolSpec);
      case 'warm-pool-delete':
        return lab.deleteWarmPool(groupArg(lab, String(args['group'])), { force: args['force'] === true });
      case 'event':
        return lab.scheduleEvent(instanceArg(lab, args), args['code'] as ScheduledEventCode, { inMs: Number(args['inMs']) });
      case 'spot':
        return lab.interruptSpot(instanceArg(lab, args), { action: args['action'] as SpotAction, inMs: Number(args['inMs']) });
      case 'rebalance':
        return lab.rebalance(instanceArg(lab, args));
      case 'down':
        // The reply goes out once everything is gone, so the CLI's `down` returns only then.
        await shutdown('down requested');
        setImmediate(() => process.exit(0));
        return null;
      default:
        throw new Error(`unknown control method '${method}'`);
    }
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown(signal).finally(() => process.exit(0)));
  }
  log.info({ instances: lab.instances().length, awsUrl: lab.awsUrl }, 'lab is up');
  process.send?.({ ok: true });
  process.disconnect?.();
}

await main();
