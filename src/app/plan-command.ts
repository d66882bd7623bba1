import type { CommandContext } from '../cli/command.js';
import { noJoinReason } from '../core/boot-plan.js';
import { BootObserver } from './boot-observer.js';
import { resolveRole } from './boot-role.js';
import { compose } from './compose.js';

/**
 * `swarmnode plan`: the facts boot would gather here and the step it would take, changing nothing
 * (only reads: IMDS, Describe*, GetParameter, Decrypt, the engine, TCP probes).
 */
export async function run({ config, options, log, out }: CommandContext): Promise<number> {
  const services = compose(config);
  const identity = await services.metadata.identity();
  const target = await services.metadata.targetLifecycleState();
  const noJoin = noJoinReason(target);
  let report: Record<string, unknown>;
  if (noJoin) {
    report = { facts: { identity, targetLifecycleState: target }, decision: { kind: 'exit-no-join', reason: noJoin } };
  } else {
    const { fleet, secrets } = services.cloud(identity);
    const own = await fleet.ownGroup(identity.instanceId);
    const role = resolveRole(config, own);
    const { facts, step } = await new BootObserver({ ...services, fleet, secrets }, identity, role, config.cluster, target).observe();
    report = { facts: { ...facts, ownGroup: own }, decision: step };
  }
  log.info(report, 'plan');
  out(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatPlan(report));
  return 0;
}

function formatPlan(report: Record<string, unknown>): string {
  const decision = report.decision as { kind: string; reason: string };
  const facts = Object.entries(report.facts as Record<string, unknown>).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`);
  return `Facts:\n${facts.join('\n')}\nDecision: ${decision.kind}\n  why: ${decision.reason}\n`;
}
