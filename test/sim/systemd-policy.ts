import { unitSettings } from '../lab/agent-unit.js';

/** How systemd runs the agent, read from the shipped units (as the lab does), never assumed. */
export interface SystemdPolicy {
  /** `Requires=swarmnode-boot.service`: watch starts only after a successful boot. */
  watchNeedsBootSuccess: boolean;
  restartDelayMs: number;
  maxRestarts: number;
}

function seconds(value: string | undefined, fallback: number): number {
  const match = /^(\d+)(s|min)?$/.exec(value ?? '');
  if (!match) return fallback;
  return Number(match[1]) * (match[2] === 'min' ? 60_000 : 1_000);
}

export function systemdPolicy(): SystemdPolicy {
  const watch = unitSettings('swarmnode.service');
  return {
    watchNeedsBootSuccess: (watch.get('Requires') ?? '').split(/\s+/).includes('swarmnode-boot.service'),
    restartDelayMs: seconds(watch.get('RestartSec'), 5_000),
    maxRestarts: Number(watch.get('StartLimitBurst') ?? 5),
  };
}
