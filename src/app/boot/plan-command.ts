import type { CommandContext } from '../../cli/command.js';
import { readsEngineFirst, startingPoint } from '../../core/boot/reboot.js';
import { compose } from '../shared/compose.js';
import { discover, whereabouts } from './start.js';

/**
 * `swarmnode plan`: the facts boot would gather here and the step it would take, changing nothing
 * (only reads: IMDS, the engine, the boot record, Describe*, GetParameter(s), Decrypt, TCP probes).
 */
export async function run({ config, options, log, out }: CommandContext): Promise<number> {
  const services = compose(config);
  const where = await whereabouts(services);
  const info = readsEngineFirst(where.target) ? await services.engine.info() : undefined;
  const previous = info === undefined ? undefined : await services.bootRecords.read();
  const start = startingPoint(where.target, previous, where.identity.instanceId, info ?? { localNodeState: '', nodeId: '' });
  let report: Record<string, unknown>;
  if (start.kind !== 'observe') {
    const local = { identity: where.identity, targetLifecycleState: where.target, engine: info && { state: info.localNodeState, nodeId: info.nodeId }, previousBoot: previous };
    report = { facts: local, decision: { kind: start.kind === 'no-join' ? 'exit-no-join' : start.kind, reason: start.reason } };
  } else {
    const found = await discover(config, services, where, previous?.instanceId === where.identity.instanceId ? previous.role : undefined);
    const { facts, step } = await found.observer.observe();
    report = { facts: { ...facts, ownGroup: found.own }, decision: step };
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
