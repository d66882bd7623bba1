import type { SwarmNode } from '../../ports/engine.js';
import type { EngineObject, NetworkFacts, SecretFacts, SwarmObject } from '../../ports/swarm-objects.js';
import { SWARMNODE_LABEL_PREFIX } from '../reconcile/labels.js';
import { INSTANCE_ID_LABEL } from '../reconcile/match.js';
import { portableServiceSpec } from './service-spec.js';

/** A named object and its spec, as a backup keeps it. */
export interface NamedSpec {
  name: string;
  spec: EngineObject;
}

/** The operator's labels of one node, and what finds that node again: its instance, else its hostname. */
export interface NodeLabels {
  hostname: string;
  instanceId: string | undefined;
  labels: Record<string, string>;
}

/**
 * What the swarm holds that a person or a deploy put there: the backed-up content. Only specs, so
 * nothing volatile (versions, timestamps, task state, allocations) is in it, and lists are sorted,
 * so its hash changes only when the desired state does.
 */
export interface BackupContent {
  swarm: EngineObject;
  networks: NamedSpec[];
  /** Specs with their data (base64 `Data`): the configs come back as they were. */
  configs: NamedSpec[];
  /** Names and labels only: the engine never gives a secret's value back. */
  secrets: { name: string; labels: Record<string, string> }[];
  /** Specs that name their networks, configs and secrets (see portableServiceSpec). */
  services: NamedSpec[];
  /** Nodes that carry labels of the operator's (swarmnode's own are derived from EC2 and kept by the leader). */
  nodes: NodeLabels[];
}

/** What a manager reads from the engine for a backup (or to compare a restore with). */
export interface SwarmFacts {
  swarm: SwarmObject;
  services: readonly SwarmObject[];
  networks: readonly NetworkFacts[];
  configs: readonly SwarmObject[];
  secrets: readonly SecretFacts[];
  nodes: readonly SwarmNode[];
}

/**
 * Options the swarm allocates itself (the VXLAN id of an overlay): they belong to the swarm that
 * made the network, not to its desired state.
 */
const ALLOCATED_OPTIONS = new Set(['com.docker.network.driver.overlay.vxlanid_list']);

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function nameOf(spec: EngineObject): string {
  return typeof spec.Name === 'string' ? spec.Name : '';
}

function networkSpec(network: NetworkFacts): EngineObject {
  const options = network.spec.Options;
  if (options === null || typeof options !== 'object') return network.spec;
  return { ...network.spec, Options: Object.fromEntries(Object.entries(options).filter(([key]) => !ALLOCATED_OPTIONS.has(key))) };
}

function operatorLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !key.startsWith(SWARMNODE_LABEL_PREFIX)));
}

/**
 * The content of a backup, from what the engine answered. The ingress network is left out: every
 * swarm makes its own.
 */
export function backupContent(facts: SwarmFacts): BackupContent {
  const networkNames = new Map(facts.networks.map((n) => [n.id, n.name]));
  return {
    swarm: facts.swarm.spec,
    networks: facts.networks
      .filter((n) => n.scope === 'swarm' && !n.ingress)
      .map((n) => ({ name: n.name, spec: networkSpec(n) }))
      .sort(byName),
    configs: facts.configs.map((c) => ({ name: nameOf(c.spec), spec: c.spec })).sort(byName),
    secrets: facts.secrets.map((s) => ({ name: s.name, labels: s.labels })).sort(byName),
    services: facts.services.map((s) => ({ name: nameOf(s.spec), spec: portableServiceSpec(s.spec, networkNames) })).sort(byName),
    nodes: facts.nodes
      .map((n) => ({ hostname: n.hostname, instanceId: n.labels[INSTANCE_ID_LABEL], labels: operatorLabels(n.labels) }))
      .filter((n) => Object.keys(n.labels).length > 0)
      .sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0)),
  };
}
