import { backupContent } from '../../core/backup/content.js';
import type { BackupDocument, SecretNeed } from '../../core/backup/document.js';
import { historyPrefix } from '../../core/backup/key.js';
import { newestOfOtherSwarm } from '../../core/backup/latest.js';
import { planRestore, type RestoreKind, type RestorePlan, type RestoreSkip, type RestoreStep } from '../../core/backup/restore-plan.js';
import { engineServiceSpec, type SwarmIds } from '../../core/backup/service-spec.js';
import { NoBackupError } from '../../errors/no-backup-error.js';
import type { Logger } from '../../log/logger.js';
import type { BackupStore } from '../../ports/backup-store.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { SwarmObjects } from '../../ports/swarm-objects.js';
import { retryUntil } from '../shared/retry.js';
import { readHistory } from './history.js';
import { readBackup } from './read-backup.js';
import { readSwarmFacts } from './read-swarm.js';

export interface RestoreDeps {
  engine: Engine;
  objects: SwarmObjects;
  backups: BackupStore;
  clock: Clock;
  log: Logger;
}

export interface RestoreOptions {
  cluster: string;
  /** SWARMNODE_BACKUP_PREFIX. */
  prefix: string;
  /** Plan only: nothing is created. */
  dryRun?: boolean;
}

export interface RestoreReport {
  backup: { key: string; swarmId: string; generation: number; createdAt: string };
  dryRun: boolean;
  /** Created (with dryRun: what would be). */
  restored: { kind: RestoreKind; name: string }[];
  /** Left alone, with why: it exists, or the swarm lacks what it needs. */
  skipped: RestoreSkip[];
  /** Secrets the backup's services need and this swarm lacks: make them by hand, then restore again. */
  missingSecrets: SecretNeed[];
  /** Steps the engine refused. */
  failed: { kind: RestoreKind; name: string; error: string }[];
}

/** A step the engine keeps failing for a transient reason (no leader yet, busy) is given up after this long. */
const STEP_DEADLINE_MS = 30_000;

/**
 * Restores the newest backup of another swarm of the cluster into this one: what a new swarm does
 * after every manager of the last one was lost, and what `swarmnode restore` does by hand.
 * Throws NoBackupError when there is none.
 */
export async function restoreLatest(deps: RestoreDeps, options: RestoreOptions): Promise<RestoreReport> {
  const [history, swarm] = await Promise.all([readHistory(deps.backups, options.prefix, options.cluster), deps.objects.swarm()]);
  const source = newestOfOtherSwarm(history, swarm.id);
  if (source === undefined) throw new NoBackupError(deps.backups.location, historyPrefix(options.prefix, options.cluster));
  return restoreFrom(deps, source.key, options);
}

/** Restores one backup, named by its key (any swarm's, this one's included). */
export async function restoreFrom(deps: RestoreDeps, key: string, options: RestoreOptions): Promise<RestoreReport> {
  const document = await readBackup(deps.backups, key, options.cluster);
  const facts = await readSwarmFacts(deps.objects, deps.engine);
  const plan = planRestore(document.content, { content: backupContent(facts), nodes: facts.nodes, networkNames: facts.networks.map((n) => n.name) });
  const dryRun = options.dryRun ?? false;
  const report: RestoreReport = {
    backup: { key, swarmId: document.swarmId, generation: document.generation, createdAt: document.createdAt },
    dryRun,
    restored: dryRun ? plan.steps.map(({ kind, name }) => ({ kind, name })) : [],
    skipped: [...plan.skipped],
    missingSecrets: plan.missingSecrets,
    failed: [],
  };
  deps.log.info({ object: key, dryRun, steps: plan.steps.map(({ kind, name }) => `${kind} ${name}`), skipped: plan.skipped.length }, dryRun ? 'restore planned (dry run)' : 'restore started');
  if (!dryRun) await execute(deps, plan, report);
  logOutcome(deps.log, document, report);
  return report;
}

async function execute(deps: RestoreDeps, plan: RestorePlan, report: RestoreReport): Promise<void> {
  let ids: SwarmIds | undefined;
  for (const step of plan.steps) {
    try {
      // Services refer to networks, configs and secrets by id: read them once the earlier steps made theirs.
      if (step.kind === 'service' && ids === undefined) ids = await swarmIds(deps.objects);
      const outcome = await persist(deps, () => apply(deps, step, ids));
      if (outcome === 'exists') report.skipped.push({ kind: step.kind, name: step.name, cause: 'exists', reason: 'exists (made while the restore ran)' });
      else report.restored.push({ kind: step.kind, name: step.name });
      deps.log.info({ kind: step.kind, name: step.name, outcome }, `restore: ${step.kind} ${step.name} ${outcome}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      report.failed.push({ kind: step.kind, name: step.name, error: message });
      deps.log.warn({ kind: step.kind, name: step.name, err: error }, `restore: ${step.kind} ${step.name} failed`);
    }
  }
}

async function apply(deps: RestoreDeps, step: RestoreStep, ids: SwarmIds | undefined): Promise<void> {
  switch (step.kind) {
    case 'network':
      await deps.objects.createNetwork(step.spec);
      return;
    case 'config':
      await deps.objects.createConfig(step.spec);
      return;
    case 'node-labels': {
      // Re-read right before the update: the version must be the current one.
      const node = (await deps.engine.nodes()).find((n) => n.id === step.nodeId);
      if (node === undefined) throw new Error(`node ${step.name} (${step.nodeId}) left the swarm`);
      await deps.engine.updateNode(node, { labels: { ...node.labels, ...step.labels } });
      return;
    }
    case 'service': {
      const resolved = engineServiceSpec(step.spec, ids as SwarmIds);
      if ('missing' in resolved) throw new Error(`this swarm lacks ${JSON.stringify(resolved.missing)}`);
      await deps.objects.createService(resolved.spec);
      return;
    }
    default:
      assertNever(step);
  }
}

async function swarmIds(objects: SwarmObjects): Promise<SwarmIds> {
  const [networks, configs, secrets] = await Promise.all([objects.networks(), objects.configs(), objects.secrets()]);
  return {
    networks: new Map(networks.map((n) => [n.name, n.id])),
    configs: new Map(configs.map((c) => [String(c.spec.Name), c.id])),
    secrets: new Map(secrets.map((s) => [s.name, s.id])),
  };
}

/** Everything in the backup is in the swarm now (or would be, for a dry run): nothing failed, nothing waits for a secret. */
export function restoreComplete(report: RestoreReport): boolean {
  return report.failed.length === 0 && !report.skipped.some((s) => s.cause === 'lacking');
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * One step, retried while the engine's refusal is transient (5xx: no leader yet, busy; or no answer
 * at all), as it can be right after a new swarm is made. A name conflict means the object is there.
 */
async function persist(deps: RestoreDeps, attempt: () => Promise<void>): Promise<'created' | 'exists'> {
  try {
    await retryUntil(attempt, {
      clock: deps.clock,
      deadline: deps.clock.now() + STEP_DEADLINE_MS,
      minDelayMs: 500,
      maxDelayMs: 5_000,
      factor: 2,
      shouldRetry: (error) => (statusOf(error) ?? 500) >= 500,
    });
    return 'created';
  } catch (error) {
    if (statusOf(error) === 409) return 'exists';
    throw error;
  }
}

function logOutcome(log: Logger, document: BackupDocument, report: RestoreReport): void {
  const summary = { object: report.backup.key, swarmId: document.swarmId, restored: report.restored.length, skipped: report.skipped.length, failed: report.failed.length };
  if (report.missingSecrets.length > 0) {
    // Loud on purpose: these services stay down until a person supplies the secrets.
    log.error(
      { ...summary, missingSecrets: report.missingSecrets },
      `restore: ${report.missingSecrets.map((m) => `secret ${m.secret}${m.services.length > 0 ? ` (needed by ${m.services.join(', ')})` : ''}`).join('; ')} missing in this swarm; ` +
        'make each with `docker secret create NAME FILE`, then run `swarmnode restore --from ' + report.backup.key + '` again',
    );
  }
  if (report.failed.length > 0) log.warn({ ...summary, failed: report.failed }, 'restore: some steps failed');
  log.info(summary, report.dryRun ? 'restore dry run done' : 'restore done');
}

function assertNever(value: never): never {
  throw new Error(`unhandled restore step ${JSON.stringify(value)}`);
}
