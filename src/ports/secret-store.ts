import type { Role } from '../config/config.js';
import type { Secret } from '../log/secret.js';

/** A raft member as the leader last recorded it: its instance and raft (advertise) address. */
export interface RecordedManager {
  /** '' when the leader could not tell the member's instance: recovery then never counts it gone. */
  instanceId: string;
  /** Host part of the raft address (ManagerStatus.Addr). */
  addr: string;
  /**
   * Its node id: how a survivor tells its raft members apart from the instances that took their
   * addresses since (EC2 reuses private IPs). '' in records written before it was kept.
   */
  nodeId: string;
}

/** The `cluster` parameter: public facts about the swarm, never secret. */
export interface ClusterRecord {
  swarmId: string;
  /** 1 for the cluster's first swarm; one more for each swarm reborn after every manager was lost. */
  generation: number;
  createdAt: string;
  createdBy: string;
  /** The raft members, kept true by the leader: what recovery proves gone before it acts. */
  managers: RecordedManager[];
  /** The last quorum recovery of this swarm, written by its survivor right after `--force-new-cluster`. */
  recovered?: RecordedRecovery;
}

/**
 * A survivor forced a new cluster out of a raft that had lost `lost` (node ids). Any manager whose
 * raft still lists all of them is in that dead raft: it follows `holder` (`nodeId`, which
 * `--force-new-cluster` keeps), never forces a raft of its own, whatever its lock would be named.
 */
export interface RecordedRecovery {
  lock: string;
  holder: string;
  nodeId: string;
  lost: string[];
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
  /** The role's token and the cluster record in one read (GetParameters): a manager's boot needs both together. */
  readTokenAndCluster(role: Role): Promise<{ token: Secret | undefined; cluster: ClusterRecord | undefined }>;
  writeCluster(record: ClusterRecord): Promise<void>;
  /**
   * `managers/<instance id>`: a manager's own entry, written by itself right after it joined. One
   * parameter per manager, so no write is ever lost to another's (the record's list is rewritten by
   * the leader); recovery counts the record's managers and these together.
   */
  registerManager(manager: RecordedManager): Promise<void>;
  /** Every `managers/*` entry (GetParametersByPath). */
  registeredManagers(): Promise<RecordedManager[]>;
  /** Deletes an entry (its instance is gone for good); no error when it is already gone. */
  unregisterManager(instanceId: string): Promise<void>;
  /** PutParameter Overwrite=false: true when this call created it, false when it existed. */
  tryLock(name: string, instanceId: string): Promise<boolean>;
  /** undefined when the lock does not exist. */
  readLock(name: string): Promise<LockRecord | undefined>;
  /**
   * Overwrites the lock its holder holds with the swarm it is about to publish (an init lock) or
   * has recovered (a recovery lock).
   */
  markLockPublished(name: string, holder: string, swarmId: string): Promise<void>;
  readUnlockKey(): Promise<Secret | undefined>;
  writeUnlockKey(key: Secret): Promise<void>;
  /** DeleteParameter of the unlock key (autolock turned off); no error when it is already gone. */
  deleteUnlockKey(): Promise<void>;
  /** Encrypts a probe under each role's key, so a missing key or permission shows before `swarm init`. */
  verifyKeys(): Promise<void>;
}
