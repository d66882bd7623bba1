import type { BackupContent, NamedSpec } from './content.js';
import { contentHash } from './content-hash.js';
import { serviceNeeds } from './service-spec.js';

/** The document's format; a reader refuses any other. */
export const BACKUP_SCHEMA = 'swarmnode.backup/v1';

/** A secret a restore cannot bring back, and the services that will not run without it. */
export interface SecretNeed {
  secret: string;
  services: string[];
}

/** One backup: the swarm's desired state, and what it is, so it can be read without swarmnode. */
export interface BackupDocument {
  schema: typeof BACKUP_SCHEMA;
  cluster: string;
  swarmId: string;
  generation: number;
  createdAt: string;
  /** Instance id of the manager that wrote it. */
  createdBy: string;
  /** sha256 of the canonical content: equal hashes, equal desired state. */
  contentHash: string;
  /** The secrets the services use: their values are not in any backup, so a restore needs them made by hand. */
  requiredSecrets: SecretNeed[];
  content: BackupContent;
}

export interface BackupOrigin {
  cluster: string;
  swarmId: string;
  generation: number;
  /** Epoch ms. */
  createdAt: number;
  createdBy: string;
}

/** The secrets the services name, each with the services that name it (sorted, for stable output). */
export function secretNeeds(services: readonly NamedSpec[]): SecretNeed[] {
  const bySecret = new Map<string, string[]>();
  for (const service of services) {
    for (const secret of serviceNeeds(service.spec).secrets) bySecret.set(secret, [...(bySecret.get(secret) ?? []), service.name]);
  }
  return [...bySecret.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([secret, names]) => ({ secret, services: names.sort() }));
}

export function buildBackup(origin: BackupOrigin, content: BackupContent): BackupDocument {
  return {
    schema: BACKUP_SCHEMA,
    cluster: origin.cluster,
    swarmId: origin.swarmId,
    generation: origin.generation,
    createdAt: new Date(origin.createdAt).toISOString(),
    createdBy: origin.createdBy,
    contentHash: contentHash(content),
    requiredSecrets: secretNeeds(content.services),
    content,
  };
}
