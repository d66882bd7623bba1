import { Lab, type LabOptions } from '../test/lab/lab.js';
import type { SwarmMember } from './swarm-shape.js';

const running = new Set<Lab>();
/** Names of labs whose start is under way: not a Lab yet, but already namespaces and engines. */
const starting = new Set<string>();
let interrupted = false;

/** Ctrl-C in the middle of a measurement still takes every lab down before the process ends. */
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write(`\n${signal}: taking the lab down...\n`);
  const downs = [...[...running].map((lab) => lab.down()), ...[...starting].map((name) => Lab.cleanup(name))];
  void Promise.allSettled(downs).finally(() => process.exit(130));
}

/** Starts a lab, runs `use` on it, and always takes it down (also on SIGINT/SIGTERM). */
export async function withLab<T>(opts: LabOptions, use: (lab: Lab) => Promise<T>): Promise<T> {
  if (running.size === 0 && starting.size === 0) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const name = opts.name ?? 'lab';
  starting.add(name);
  const lab = await Lab.start(opts).finally(() => starting.delete(name));
  running.add(lab);
  try {
    return await use(lab);
  } finally {
    await lab.down();
    running.delete(lab);
    if (running.size === 0 && starting.size === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** The lab's running instances as the swarm checks see them. */
export function labMembers(lab: Lab): SwarmMember[] {
  return lab
    .instances()
    .filter((i) => i.running)
    .map((i) => ({ hostname: i.hostname, role: i.role, docker: lab.docker(i.instanceId) }));
}
