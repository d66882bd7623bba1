import type { BackupDocument } from '../../core/backup/document.js';
import type { BackupEntry } from '../../core/backup/key.js';
import type { RestoreReport } from './restore.js';

/** `950 B`, `3.1 kB`, `2.4 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** `45s`, `12m`, `5h`, `3d`: how long ago, rounded down. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `1 service`, `2 services`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '));
}

/** `swarmnode backup --list`. */
export function formatHistory(location: string, entries: readonly BackupEntry[], now: number): string {
  if (entries.length === 0) return `no backups in ${location} yet\n`;
  const rows = entries.map((e) => [new Date(e.at).toISOString(), `${formatAge(now - e.at)} ago`, formatBytes(e.size), String(e.generation), e.swarmId, e.key]);
  return `${table([['CREATED', 'AGE', 'SIZE', 'GENERATION', 'SWARM', 'KEY'], ...rows]).join('\n')}\n(${entries.length} in ${location}; newest first)\n`;
}

/** What a restore will need made by hand, as one line per secret. */
function secretLines(needs: BackupDocument['requiredSecrets']): string[] {
  return needs.map((n) => `  ${n.secret}${n.services.length > 0 ? ` (needed by ${n.services.join(', ')})` : ' (used by no service)'}`);
}

/** `swarmnode backup`. */
export function formatWritten(location: string, key: string, size: number, written: boolean, document: BackupDocument): string {
  const c = document.content;
  const lines = [
    `${written ? 'backup written' : 'this exact backup was already written'}: ${location}/${key} (${formatBytes(size)})`,
    `  ${count(c.services.length, 'service')}, ${count(c.networks.length, 'network')}, ${count(c.configs.length, 'config')}, ${count(c.secrets.length, 'secret name')}, ${count(c.nodes.length, 'labelled node')}; swarm ${document.swarmId}, generation ${document.generation}`,
  ];
  if (document.requiredSecrets.length > 0) lines.push('secrets a restore needs made by hand (no backup holds their values):', ...secretLines(document.requiredSecrets));
  return `${lines.join('\n')}\n`;
}

/** `swarmnode restore` and its dry run. */
export function formatRestore(location: string, report: RestoreReport): string {
  const { backup } = report;
  const lines = [`${report.dryRun ? 'would restore' : 'restored'} from ${location}/${backup.key} (swarm ${backup.swarmId}, generation ${backup.generation}, ${backup.createdAt})`];
  for (const r of report.restored) lines.push(`  ${report.dryRun ? 'create' : 'created'} ${r.kind} ${r.name}`);
  for (const s of report.skipped) lines.push(`  skipped ${s.kind} ${s.name}: ${s.reason}`);
  for (const f of report.failed) lines.push(`  FAILED ${f.kind} ${f.name}: ${f.error}`);
  if (report.missingSecrets.length > 0) {
    lines.push('', 'MISSING SECRETS (values are never backed up): make each with `docker secret create NAME FILE`,', `then run \`swarmnode restore --from ${backup.key}\` again:`, ...secretLines(report.missingSecrets));
  }
  return `${lines.join('\n')}\n`;
}
