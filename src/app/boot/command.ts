import type { CommandContext } from '../../cli/command.js';
import { boot } from './boot.js';
import { compose } from '../shared/compose.js';

/** `swarmnode boot`: the systemd oneshot (swarmnode-boot.service). */
export function run({ config, log, signal }: CommandContext): Promise<number> {
  return boot({ config, services: compose(config), log, signal });
}
