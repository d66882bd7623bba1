import { LabUsageError } from './lab-errors.js';
import type { LabInstance } from './lab.js';

/** Finds an instance by id, hostname or private IP; newest first, since IPs are never reused. */
export function findInstance(instances: readonly LabInstance[], ref: string): LabInstance {
  const found = [...instances].reverse().find((i) => i.instanceId === ref || i.hostname === ref || i.privateIp === ref);
  if (found === undefined) {
    const known = instances.filter((i) => i.running).map((i) => `${i.instanceId} (${i.hostname})`);
    throw new LabUsageError(`unknown lab instance '${ref}'`, `use one of: ${known.join(', ') || '(none running)'}; see \`npm run lab -- status\``);
  }
  return found;
}
