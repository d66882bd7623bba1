import type { CommandContext } from '../../cli/command.js';
import { startBoot } from './start.js';
import { compose } from '../shared/compose.js';

/**
 * `swarmnode plan`: the facts boot would gather here and the step it would take, changing nothing
 * (only reads: IMDS, Describe*, GetParameter, Decrypt, the engine, TCP probes).
 */
export async function run({ config, options, log, out }: CommandContext): Promise<number> {
  const start = await startBoot(config, compose(config));
  let report: Record<string, unknown>;
  if (start.kind === 'no-join') {
    report = { facts: { identity: start.identity, targetLifecycleState: start.target }, decision: { kind: 'exit-no-join', reason: start.reason } };
  } else {
    const { facts, step } = await start.observer.observe();
    report = { facts: { ...facts, ownGroup: start.own }, decision: step };
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
