import type { HealthVerdict } from './health.js';
import type { Role } from '../../config/config.js';
import type { Ec2Facts } from '../../ports/fleet.js';
import type { RecordedManager } from '../../ports/secret-store.js';

/** One link of the init-lock chain: `init-lock`, then `init-lock-<holder>` for each holder that vanished. */
export interface LockLink {
  name: string;
  /** Instance id written in the parameter; undefined when nobody took it yet. */
  holder: string | undefined;
  /** EC2 reports the holder's instance terminated (or shutting-down): it can never init or publish again. */
  holderGone: boolean;
  /** The swarm its holder published, once it began publishing (the lock outlives deleted tokens and records). */
  published: string | undefined;
}

/**
 * What boot observed, as plain data. Optional facts cost AWS calls or probes: the decision asks for
 * them (`need`) only on the paths that use them.
 */
export interface BootFacts {
  /** When the facts were gathered (epoch ms). */
  now: number;
  instanceId: string;
  localIpv4: string;
  role: Role;
  /** IMDS autoscaling/target-lifecycle-state; undefined outside an ASG. */
  targetLifecycleState: string | undefined;
  engine: {
    state: string;
    nodeId: string;
    clusterId: string | undefined;
    controlAvailable: boolean;
    remoteManagerAddrs: string[];
    error: string;
  };
  /** How long the engine has been seen `pending` in a row (0 when not pending). */
  pendingForMs: number;
  /**
   * The `cluster` parameter was read: clusterSwarmId and clusterCreatedBy below mean something. It
   * costs an SSM call, so it is read only on the paths that compare swarms or hold an election (a
   * manager reads it with its token, in the same GetParameters).
   */
  clusterRecordRead?: boolean;
  /** swarmId of the `cluster` parameter; undefined when not published (or not read). */
  clusterSwarmId: string | undefined;
  /** Instance that initialised the swarm of the `cluster` parameter (its `createdBy`). */
  clusterCreatedBy: string | undefined;
  /** The record's generation: 1 for the cluster's first swarm, one more for each rebirth. */
  clusterGeneration: number | undefined;
  /** The record lists this instance among the swarm's managers. */
  recordedManager: boolean;
  /** This manager wrote its own entry (`managers/<instance id>`) in this boot. */
  registered?: boolean;
  /** SWARMNODE_AUTO_RECOVER and SWARMNODE_RECOVER_AFTER: whether and when a dead generation is reborn. */
  recovery: { auto: boolean; afterMs: number };
  /** Private IPs of the other running instances of the cluster's manager ASGs. */
  managerPeers: string[];
  /**
   * How old the oldest fact reused from an earlier observation of this boot is (the fleet view
   * behind managerPeers and the lock holders' states, a token or cluster record found before):
   * 0 or absent when every fact was read during this observation.
   */
  reusedFactsAgeMs?: number;
  /** The join token of this instance's role exists in SSM (and decrypts). */
  tokenPresent?: boolean;
  /** The other role's token parameter exists: a swarm was published even if this role's token is gone. */
  otherTokenPresent?: boolean;
  /** Manager peers answering on TCP 2377. */
  reachablePeers?: string[];
  locks?: LockLink[];
  unlockKeyPresent?: boolean;
  health?: HealthVerdict;
  /** Place among the cluster's manager instances by instance id (peers.ts electionRank); undefined: no head start owed. */
  electionRank?: number;
  /** Time since this boot started observing. */
  bootElapsedMs?: number;
  /** Failed joins so far in this boot: the next join starts from another manager. */
  joinFailures?: number;
  /** The known managers (record and own entries) and EC2's word on their instances: is the recorded swarm dead for good? */
  recordedManagers?: { managers: RecordedManager[]; ec2: ReadonlyMap<string, Ec2Facts> };
}

export type NeededFact =
  | 'tokenPresent'
  | 'otherTokenPresent'
  | 'reachablePeers'
  | 'locks'
  | 'unlockKeyPresent'
  | 'health'
  | 'clusterRecord'
  | 'freshFacts'
  | 'recordedManagers';
