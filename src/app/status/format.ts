import { fleetGrid, type GridCell } from '../../core/status/fleet-grid.js';
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

function columns(table: string[][]): string[] {
  const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** `2 ready, 1 down (1 drifting)`; ready first, then the rest by name. */
function cellText(cell: GridCell | undefined): string {
  if (cell === undefined) return '-';
  const states = Object.entries(cell.states).sort(([a], [b]) => (a === 'ready' ? -1 : b === 'ready' ? 1 : a < b ? -1 : 1));
  const text = states.map(([state, n]) => `${n} ${state}`).join(', ');
  return cell.drifting > 0 ? `${text} (${cell.drifting} drifting)` : text;
}

/** The fleet at a glance: AZ x role with node states, then drift by kind and held steps. */
export function formatFleet(report: StatusReport): string[] {
  const grid = fleetGrid(report);
  const table = [['AZ', ...grid.roles.map((r) => `${r.toUpperCase()}S`)], ...grid.azs.map((az) => [az, ...grid.roles.map((role) => cellText(grid.cells.get(`${az}/${role}`)))])];
  const drift = Object.entries(grid.drift).map(([kind, n]) => `${kind} ${n}`).join(', ');
  const held = grid.held.map((h) => `${h.wanted} of ${h.hostname} (${h.cause})`).join(', ');
  return [...columns(table), `drift: ${drift || 'none'}`, `held: ${held || 'none'}`];
}

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

/** `swarmnode status` as tables for people: the fleet at a glance, then every instance and node; `--json` prints the report itself. */
export function formatStatus(report: StatusReport): string {
  const lines = columns([HEADER, ...report.rows.map(cells)]);
  const q = report.quorum;
  const quorum = q === undefined ? 'quorum: LOST (the swarm has no leader; node list unavailable)' : `quorum: ${q.hasQuorum ? 'ok' : 'LOST'} (${q.reachable} of ${q.members} managers reachable, ${q.needed} needed, fault tolerance ${q.faultTolerance})`;
  const generation = report.swarmId === undefined ? 'swarm: no cluster record' : `swarm: ${report.swarmId}, generation ${report.generation ?? 1}`;
  return [...formatFleet(report), '', ...lines, '', generation, quorum, backupLine(report.backup), ...report.advice.map((a) => `! ${a}`), ''].join('\n');
}
