import type Docker from 'dockerode';

/** One lab instance and its engine, as far as the swarm check needs them. */
export interface SwarmMember {
  hostname: string;
  role: string;
  docker: Docker;
}

/** The engine API shapes the check reads (GET /info .Swarm and GET /nodes). */
interface SwarmInfo {
  LocalNodeState?: string;
  NodeID?: string;
  ControlAvailable?: boolean;
  Cluster?: { ID?: string };
}

interface NodeRow {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Role?: string };
  Status?: { State?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

interface EngineView {
  member: SwarmMember;
  swarm: SwarmInfo | undefined;
  /** The node list as this manager sees it; undefined for workers or when the call failed. */
  nodes: NodeRow[] | undefined;
  error: string | undefined;
}

export interface SwarmShape {
  /** Empty when the swarm is exactly as expected. */
  problems: string[];
  swarmIds: string[];
  leader: string | undefined;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

async function view(member: SwarmMember): Promise<EngineView> {
  try {
    const info = (await member.docker.info()) as { Swarm?: SwarmInfo };
    const swarm = info.Swarm;
    const nodes = swarm?.ControlAvailable ? ((await member.docker.listNodes()) as NodeRow[]) : undefined;
    return { member, swarm, nodes, error: undefined };
  } catch (error) {
    return { member, swarm: undefined, nodes: undefined, error: message(error) };
  }
}

/**
 * The swarm as DESIGN.md wants it after boot: ONE swarm (every manager in the same cluster), every
 * engine active, and every manager's own node list showing all nodes Ready, every manager
 * reachable and exactly one leader. Each manager's list is checked, not one: a split swarm shows
 * up as managers that see different lists.
 */
export async function checkSwarm(members: readonly SwarmMember[]): Promise<SwarmShape> {
  const views = await Promise.all(members.map(view));
  const problems: string[] = [];
  const managers = views.filter((v) => v.member.role === 'manager');
  for (const v of views) {
    if (v.error !== undefined) problems.push(`${v.member.hostname}: engine not answering (${v.error})`);
    else if (v.swarm?.LocalNodeState !== 'active') problems.push(`${v.member.hostname}: swarm state is ${v.swarm?.LocalNodeState ?? 'unknown'}, not active`);
  }
  for (const m of managers) {
    if (m.swarm?.LocalNodeState === 'active' && !m.swarm.ControlAvailable) problems.push(`${m.member.hostname}: should be a manager but is a worker`);
  }
  const swarmIds = [...new Set(managers.map((m) => m.swarm?.Cluster?.ID).filter((id): id is string => id !== undefined && id !== ''))];
  if (swarmIds.length > 1) problems.push(`${swarmIds.length} swarms: ${swarmIds.join(', ')}`);
  const nodeIds = new Set(views.map((v) => v.swarm?.NodeID).filter((id): id is string => id !== undefined && id !== ''));
  let leader: string | undefined;
  for (const m of managers) {
    if (m.nodes === undefined) continue;
    const who = m.member.hostname;
    const notReady = m.nodes.filter((n) => n.Status?.State !== 'ready').map((n) => `${n.Description?.Hostname} ${n.Status?.State}`);
    if (notReady.length > 0) problems.push(`${who} sees nodes not Ready: ${notReady.join(', ')}`);
    const missing = members.filter((mem) => !m.nodes!.some((n) => n.Description?.Hostname === mem.hostname)).map((mem) => mem.hostname);
    if (missing.length > 0) problems.push(`${who} does not list ${missing.join(', ')}`);
    const foreign = m.nodes.filter((n) => !nodeIds.has(n.ID)).map((n) => `${n.Description?.Hostname} (${n.ID})`);
    if (foreign.length > 0) problems.push(`${who} lists nodes no instance runs: ${foreign.join(', ')}`);
    const unreachable = m.nodes.filter((n) => n.Spec?.Role === 'manager' && n.ManagerStatus?.Reachability !== 'reachable');
    if (unreachable.length > 0) problems.push(`${who} sees managers not reachable: ${unreachable.map((n) => n.Description?.Hostname).join(', ')}`);
    const listedManagers = m.nodes.filter((n) => n.Spec?.Role === 'manager').length;
    if (listedManagers !== managers.length) problems.push(`${who} lists ${listedManagers} managers, expected ${managers.length}`);
    const leaders = m.nodes.filter((n) => n.ManagerStatus?.Leader === true);
    if (leaders.length !== 1) problems.push(`${who} sees ${leaders.length} leaders`);
    else leader ??= leaders[0]!.Description?.Hostname;
  }
  return { problems, swarmIds, leader };
}
