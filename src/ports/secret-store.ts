import type { Role } from '../config/config.js';
import type { Secret } from '../log/secret.js';

/** The `cluster` parameter: public facts about the swarm, never secret. */
export interface ClusterRecord {
  swarmId: string;
  createdAt: string;
  createdBy: string;
  managers: string[];
}

/**
 * SSM parameters under the prefix, tokens and the unlock key KMS-encrypted with the
 * EncryptionContext {"swarmnode:cluster": C, "swarmnode:role": R} (see DESIGN.md).
 */
export interface SecretStore {
  /** undefined when the parameter does not exist. */
  readToken(role: Role): Promise<Secret | undefined>;
  /** Encrypts under the role's key and overwrites. */
  writeToken(role: Role, token: Secret): Promise<void>;
  readCluster(): Promise<ClusterRecord | undefined>;
  writeCluster(record: ClusterRecord): Promise<void>;
  /** PutParameter Overwrite=false: true when this call created it, false when it existed. */
  tryLock(name: string, instanceId: string): Promise<boolean>;
  /** Holder's instance id, undefined when the lock does not exist. */
  readLock(name: string): Promise<string | undefined>;
  readUnlockKey(): Promise<Secret | undefined>;
  writeUnlockKey(key: Secret): Promise<void>;
  /** Encrypts a probe under each role's key, so a missing key or permission shows before `swarm init`. */
  verifyKeys(): Promise<void>;
}
