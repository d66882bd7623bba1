import { SWARMNODE_LABEL_PREFIX as LABEL_PREFIX } from '../../core/reconcile/labels.js';
import type { BackupStatus } from '../../core/backup/status.js';
import type { StatusReport, StatusRow } from '../../core/status/report.js';
import { formatAge, formatBytes } from '../backup/format.js';

function cells(row: StatusRow): string[] {
  const { instance, node } = row;
  const role = node === undefined ? '' : `${node.role}${node.leader ? ' (leader)' : node.reachability && node.reachability !== 'reachable' ? ` (${node.reachability})` : ''}`;
  const labels = node === undefined ? '' : Object.entries(node.labels).filter(([k]) => k.startsWith(LABEL_PREFIX)).map(([k, v]) => `${k.slice(LABEL_PREFIX.length)}=${v}`).join(',');
  return [
    instance?.instanceId ?? '-',
    instance?.asgName ?? '-',
    instance === undefined ? '-' : `${instance.lifecycleState}/${instance.ec2State ?? '?'}`,
    node?.hostname ?? '-',
    node?.state ?? '-',
    node?.availability ?? '-',
    role || '-',
    labels || '-',
    row.drift.join('; ') || 'ok',
  ];
}

const HEADER = ['INSTANCE', 'ASG', 'LIFECYCLE/EC2', 'NODE', 'STATE', 'AVAILABILITY', 'ROLE', 'LABELS', 'DRIFT'];

function backupLine(backup: BackupStatus): string {
  switch (backup.state) {
    case 'off':
      return 'backup: off (SWARMNODE_BACKUP_BUCKET is not set)';
    case 'none':
      return `backup: none of this swarm yet in ${backup.location}`;
    case 'unknown':
      return `backup: unknown (${backup.error})`;
    default:
      return `backup: ${formatAge(backup.ageSec * 1000)} ago${backup.state === 'stale' ? ' (STALE)' : ''}, ${formatBytes(backup.size)}, ${backup.location}/${backup.key}`;
  }
}

/** `swarmnode status` as a table for people; `--json` prints the report itself. */
export function formatStatus(report: StatusReport): string {
  const table = [HEADER, ...report.rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const lines = table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '));
  const q = report.quorum;
  const quorum = q === undefined ? 'quorum: LOST (the swarm has no leader; node list unavailable)' : `quorum: ${q.hasQuorum ? 'ok' : 'LOST'} (${q.reachable} of ${q.members} managers reachable, ${q.needed} needed, fault tolerance ${q.faultTolerance})`;
  return [...lines, '', quorum, backupLine(report.backup), ...report.advice.map((a) => `! ${a}`), ''].join('\n');
}
