import type { CommandContext } from '../../cli/command.js';
import { compose } from '../shared/compose.js';
import { watch } from './watch.js';

/** `swarmnode watch`: the long-running daemon (swarmnode.service). */
export function run({ config, log, signal }: CommandContext): Promise<number> {
  return watch({ config, services: compose(config), log, signal });
}
