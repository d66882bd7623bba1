import { agentUnit, SHIPPED_BINARY, type AgentUnit } from '../lab/agent-unit.js';

/** How systemd runs the agent, read from the shipped units (as the lab reads them), never assumed. */
export type SystemdPolicy = Pick<AgentUnit, 'watchStartsAfter' | 'watchPullsInBoot' | 'watchRestart'>;

export function systemdPolicy(): SystemdPolicy {
  const { watchStartsAfter, watchPullsInBoot, watchRestart } = agentUnit(SHIPPED_BINARY);
  return { watchStartsAfter, watchPullsInBoot, watchRestart };
}
