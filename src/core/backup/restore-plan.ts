import type { SwarmNode } from '../../ports/engine.js';
import type { EngineObject } from '../../ports/swarm-objects.js';
import { INSTANCE_ID_LABEL } from '../reconcile/match.js';
import type { BackupContent, NamedSpec, NodeLabels } from './content.js';
import { secretNeeds, type SecretNeed } from './document.js';
import { serviceNeeds } from './service-spec.js';

export type RestoreStep =
  | { kind: 'network'; name: string; spec: EngineObject }
  | { kind: 'config'; name: string; spec: EngineObject }
  /** `name` is the node's hostname now; `labels` are the ones to add. */
  | { kind: 'node-labels'; name: string; nodeId: string; labels: Record<string, string> }
  /** A portable spec: names are resolved to this swarm's ids right before it is created. */
  | { kind: 'service'; name: string; spec: EngineObject };

export type RestoreKind = RestoreStep['kind'];

export interface RestoreSkip {
  kind: RestoreKind;
  name: string;
  /**
   * exists: already as in the backup; differs: there with other settings, left alone; lacking: this
   * swarm lacks what it needs (a secret); no-node: the node it labelled is not in this swarm.
   */
  cause: 'exists' | 'differs' | 'lacking' | 'no-node';
  reason: string;
}

export interface RestorePlan {
  /** In the order they must run: networks and configs before the services that use them, node labels before services placed by them. */
  steps: RestoreStep[];
  skipped: RestoreSkip[];
  /** Secrets of the backup this swarm lacks, with the services skipped for want of them. */
  missingSecrets: SecretNeed[];
}

/** The swarm a backup is restored into, as it is now. */
export interface RestoreTarget {
  /** In backup form (backupContent), so both sides compare alike. */
  content: BackupContent;
  nodes: readonly SwarmNode[];
  /** Every network this manager sees, local ones (host, bridge) too: a service may attach to them. */
  networkNames: readonly string[];
}

/** Every field the backup sets has that value now; fields the engine filled in with defaults do not count as a difference. */
function covers(wanted: unknown, actual: unknown): boolean {
  if (Array.isArray(wanted)) return Array.isArray(actual) && wanted.length === actual.length && wanted.every((w, i) => covers(w, actual[i]));
  if (wanted !== null && typeof wanted === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(wanted).every(([key, value]) => covers(value, (actual as Record<string, unknown>)[key]));
  }
  return wanted === actual;
}

/** What exists is never touched: a restore adds what is missing, and says what it left alone. */
function existing(kind: RestoreKind, wanted: NamedSpec, current: readonly NamedSpec[]): RestoreSkip | undefined {
  const found = current.find((c) => c.name === wanted.name);
  if (found === undefined) return undefined;
  return covers(wanted.spec, found.spec)
    ? { kind, name: wanted.name, cause: 'exists', reason: 'exists' }
    : { kind, name: wanted.name, cause: 'differs', reason: 'exists with other settings than in the backup: left as it is' };
}

function matchNode(wanted: NodeLabels, nodes: readonly SwarmNode[]): SwarmNode | undefined {
  const live = nodes.filter((n) => n.state !== 'down');
  const byInstance = wanted.instanceId === undefined ? undefined : live.find((n) => n.labels[INSTANCE_ID_LABEL] === wanted.instanceId);
  return byInstance ?? live.find((n) => n.hostname === wanted.hostname);
}

function planNodeLabels(wanted: NodeLabels, nodes: readonly SwarmNode[], steps: RestoreStep[], skipped: RestoreSkip[]): void {
  const node = matchNode(wanted, nodes);
  const name = wanted.hostname;
  if (node === undefined) {
    skipped.push({ kind: 'node-labels', name, cause: 'no-node', reason: `no node of ${wanted.instanceId === undefined ? '' : `instance ${wanted.instanceId} or `}hostname ${name} in this swarm` });
    return;
  }
  const add: Record<string, string> = {};
  for (const [key, value] of Object.entries(wanted.labels)) {
    const now = node.labels[key];
    if (now === undefined) add[key] = value;
    else if (now !== value) skipped.push({ kind: 'node-labels', name, cause: 'differs', reason: `label ${key}=${now} differs from the backup's ${value}: left as it is` });
  }
  if (Object.keys(add).length > 0) steps.push({ kind: 'node-labels', name: node.hostname, nodeId: node.id, labels: add });
}

/**
 * The steps that bring a backup's content into a swarm, as plain data (`restore --dry-run` prints
 * them). Secrets cannot be restored (no backup holds their values): a service that needs one this
 * swarm lacks is skipped, and listed with it; once the secret is made by hand, the same restore
 * run again creates the service and skips everything else.
 */
export function planRestore(backup: BackupContent, target: RestoreTarget): RestorePlan {
  const steps: RestoreStep[] = [];
  const skipped: RestoreSkip[] = [];
  for (const network of backup.networks) {
    const skip = existing('network', network, target.content.networks);
    if (skip === undefined) steps.push({ kind: 'network', name: network.name, spec: network.spec });
    else skipped.push(skip);
  }
  for (const config of backup.configs) {
    const skip = existing('config', config, target.content.configs);
    if (skip === undefined) steps.push({ kind: 'config', name: config.name, spec: config.spec });
    else skipped.push(skip);
  }
  for (const node of backup.nodes) planNodeLabels(node, target.nodes, steps, skipped);

  const networks = new Set([...target.networkNames, ...backup.networks.map((n) => n.name)]);
  const configs = new Set([...target.content.configs, ...backup.configs].map((c) => c.name));
  const secrets = new Set(target.content.secrets.map((s) => s.name));
  const lacking: NamedSpec[] = [];
  for (const service of backup.services) {
    const skip = existing('service', service, target.content.services);
    if (skip !== undefined) {
      skipped.push(skip);
      continue;
    }
    const needs = serviceNeeds(service.spec);
    const missing = [
      ...needs.secrets.filter((s) => !secrets.has(s)).map((s) => `secret ${s}`),
      ...needs.networks.filter((n) => !networks.has(n)).map((n) => `network ${n}`),
      ...needs.configs.filter((c) => !configs.has(c)).map((c) => `config ${c}`),
    ];
    if (missing.length === 0) {
      steps.push({ kind: 'service', name: service.name, spec: service.spec });
    } else {
      skipped.push({ kind: 'service', name: service.name, cause: 'lacking', reason: `needs ${missing.join(', ')}, which this swarm lacks` });
      lacking.push(service);
    }
  }
  const needed = secretNeeds(lacking).filter((need) => !secrets.has(need.secret));
  const unused = backup.secrets.filter((s) => !secrets.has(s.name) && !needed.some((n) => n.secret === s.name)).map((s) => ({ secret: s.name, services: [] }));
  return { steps, skipped, missingSecrets: [...needed, ...unused].sort((a, b) => (a.secret < b.secret ? -1 : 1)) };
}
