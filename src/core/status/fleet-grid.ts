import type { StatusReport, StatusRow } from './report.js';

/** One cell of the at-a-glance grid: the nodes of one role in one AZ, counted by what a person asks first. */
export interface GridCell {
  /** Node state (ready, down, ...), a manager's reachability when not reachable, `drain`/`pause` for such Ready nodes, `no node` for an instance the swarm does not list. */
  states: Record<string, number>;
  /** Rows of this cell with at least one drift. */
  drifting: number;
}

export interface FleetGrid {
  azs: string[];
  roles: ('manager' | 'worker')[];
  /** `${az}/${role}` -> cell; missing: nothing there. */
  cells: Map<string, GridCell>;
  /** Drift kinds over the whole fleet, with their counts. */
  drift: Record<string, number>;
  held: StatusReport['held'];
}

const UNKNOWN_AZ = '?';

function azOf(row: StatusRow): string {
  return row.instance?.availabilityZone || row.node?.labels['swarmnode.az'] || UNKNOWN_AZ;
}

function roleOf(row: StatusRow): 'manager' | 'worker' {
  return (row.node?.role ?? row.instance?.role) === 'manager' ? 'manager' : 'worker';
}

function stateOf(row: StatusRow): string {
  if (row.node === undefined) return row.driftKinds.includes('node_list_unavailable') ? 'node list unavailable' : 'no node';
  if (row.node.role === 'manager' && row.node.reachability !== undefined && row.node.reachability !== 'reachable') return row.node.reachability;
  return row.node.state === 'ready' && row.node.availability !== 'active' ? row.node.availability : row.node.state;
}

/** The status report folded into AZ x role, for the compact table of `swarmnode status`. */
export function fleetGrid(report: StatusReport): FleetGrid {
  const cells = new Map<string, GridCell>();
  const drift: Record<string, number> = {};
  for (const row of report.rows) {
    const key = `${azOf(row)}/${roleOf(row)}`;
    const cell = cells.get(key) ?? { states: {}, drifting: 0 };
    const state = stateOf(row);
    cell.states[state] = (cell.states[state] ?? 0) + 1;
    if (row.driftKinds.length > 0) cell.drifting++;
    cells.set(key, cell);
    for (const kind of row.driftKinds) drift[kind] = (drift[kind] ?? 0) + 1;
  }
  const azs = [...new Set(report.rows.map(azOf))].sort();
  return { azs, roles: ['manager', 'worker'], cells, drift, held: report.held };
}
