import type { Role } from '../config/config.js';
import type { Secret } from '../log/secret.js';

/** The `cluster` parameter: public facts about the swarm, never secret. */
export interface ClusterRecord {
  swarmId: string;
  createdAt: string;
  createdBy: string;
  managers: string[];
  /** Which swarm of the cluster this is (a new one after every manager was lost); absent in older records: 1. */
  generation?: number;
}

/** An init lock as stored: who holds it, and which swarm the holder published, once it did. */
export interface LockRecord {
  holder: string;
  /** Swarm id the holder marked the lock with right after its `swarm init`, before publishing anything else. */
  published: string | undefined;
  /** When the parameter was last written (SSM LastModifiedDate). */
  writtenAt: number;
}

/**
 * SSM parameters under the prefix, tokens and the unlock key KMS-encrypted with the
 * EncryptionContext {"swarmnode:cluster": C, "swarmnode:role": R} (see DESIGN.md).
 */
export interface SecretStore {
  /** undefined when the parameter does not exist. */
  readToken(role: Role): Promise<Secret | undefined>;
  /** Whether the role's token parameter exists, without decrypting it. */
  tokenExists(role: Role): Promise<boolean>;
  /** Encrypts under the role's key and overwrites. */
  writeToken(role: Role, token: Secret): Promise<void>;
  readCluster(): Promise<ClusterRecord | undefined>;
  writeCluster(record: ClusterRecord): Promise<void>;
  /** PutParameter Overwrite=false: true when this call created it, false when it existed. */
  tryLock(name: string, instanceId: string): Promise<boolean>;
  /** undefined when the lock does not exist. */
  readLock(name: string): Promise<LockRecord | undefined>;
  /** Overwrites the lock its holder holds with the swarm it is about to publish. */
  markLockPublished(name: string, holder: string, swarmId: string): Promise<void>;
  readUnlockKey(): Promise<Secret | undefined>;
  writeUnlockKey(key: Secret): Promise<void>;
  /** DeleteParameter of the unlock key (autolock turned off); no error when it is already gone. */
  deleteUnlockKey(): Promise<void>;
  /** Encrypts a probe under each role's key, so a missing key or permission shows before `swarm init`. */
  verifyKeys(): Promise<void>;
}
