import type { EngineObject } from '../../ports/swarm-objects.js';

/** What a service spec refers to by name: a restore needs these to exist first. */
export interface ServiceNeeds {
  networks: string[];
  configs: string[];
  secrets: string[];
}

/** Name -> id of the objects of one swarm, to turn a portable spec into one the engine takes. */
export interface SwarmIds {
  networks: ReadonlyMap<string, string>;
  configs: ReadonlyMap<string, string>;
  secrets: ReadonlyMap<string, string>;
}

type Ref = Record<string, unknown>;

function asObject(value: unknown): EngineObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as EngineObject) : undefined;
}

function refs(value: unknown): Ref[] {
  return Array.isArray(value) ? value.filter((item): item is Ref => asObject(item) !== undefined) : [];
}

/**
 * Rewrites every reference of a service spec to other swarm objects: network attachments (in
 * TaskTemplate.Networks, and the older top-level Networks) and the configs and secrets of its
 * container. Everything else is copied as it is.
 */
function mapRefs(spec: EngineObject, map: { network(ref: Ref): Ref; config(ref: Ref): Ref; secret(ref: Ref): Ref }): EngineObject {
  const out: EngineObject = { ...spec };
  if (Array.isArray(spec.Networks)) out.Networks = refs(spec.Networks).map(map.network);
  const task = asObject(spec.TaskTemplate);
  if (task === undefined) return out;
  const outTask: EngineObject = { ...task };
  if (Array.isArray(task.Networks)) outTask.Networks = refs(task.Networks).map(map.network);
  const container = asObject(task.ContainerSpec);
  if (container !== undefined) {
    const outContainer: EngineObject = { ...container };
    if (Array.isArray(container.Configs)) outContainer.Configs = refs(container.Configs).map(map.config);
    if (Array.isArray(container.Secrets)) outContainer.Secrets = refs(container.Secrets).map(map.secret);
    outTask.ContainerSpec = outContainer;
  }
  out.TaskTemplate = outTask;
  return out;
}

function without(ref: Ref, key: string): Ref {
  return Object.fromEntries(Object.entries(ref).filter(([k]) => k !== key));
}

/**
 * The spec as a backup keeps it, meaningful in any swarm: network attachments name their network
 * instead of its id, configs and secrets keep their name and lose their id. An attachment to a
 * network this manager does not know keeps its id (a restore then reports it missing).
 */
export function portableServiceSpec(spec: EngineObject, networkNames: ReadonlyMap<string, string>): EngineObject {
  return mapRefs(spec, {
    network: (ref) => ({ ...ref, Target: networkNames.get(String(ref.Target)) ?? ref.Target }),
    config: (ref) => without(ref, 'ConfigID'),
    secret: (ref) => without(ref, 'SecretID'),
  });
}

/** The networks, configs and secrets a portable spec names. */
export function serviceNeeds(spec: EngineObject): ServiceNeeds {
  const needs: ServiceNeeds = { networks: [], configs: [], secrets: [] };
  mapRefs(spec, {
    network: (ref) => (needs.networks.push(String(ref.Target)), ref),
    config: (ref) => (needs.configs.push(String(ref.ConfigName)), ref),
    secret: (ref) => (needs.secrets.push(String(ref.SecretName)), ref),
  });
  return { networks: unique(needs.networks), configs: unique(needs.configs), secrets: unique(needs.secrets) };
}

/**
 * The spec the engine takes in this swarm: each name resolved to this swarm's id, or the names it
 * lacks (then nothing can be created).
 */
export function engineServiceSpec(spec: EngineObject, ids: SwarmIds): { spec: EngineObject } | { missing: ServiceNeeds } {
  const missing: ServiceNeeds = { networks: [], configs: [], secrets: [] };
  const resolve = (names: ReadonlyMap<string, string>, name: unknown, lacking: string[]): string => {
    const id = names.get(String(name));
    if (id === undefined) lacking.push(String(name));
    return id ?? '';
  };
  const resolved = mapRefs(spec, {
    network: (ref) => ({ ...ref, Target: resolve(ids.networks, ref.Target, missing.networks) }),
    config: (ref) => ({ ...ref, ConfigID: resolve(ids.configs, ref.ConfigName, missing.configs) }),
    secret: (ref) => ({ ...ref, SecretID: resolve(ids.secrets, ref.SecretName, missing.secrets) }),
  });
  const lacking = missing.networks.length + missing.configs.length + missing.secrets.length > 0;
  return lacking ? { missing: { networks: unique(missing.networks), configs: unique(missing.configs), secrets: unique(missing.secrets) } } : { spec: resolved };
}

function unique(names: string[]): string[] {
  return [...new Set(names)].sort();
}
