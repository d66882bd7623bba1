import type { Role } from '../config/config.js';
import type { StateFile } from './state-file.js';

/**
 * What the last `swarmnode boot` left behind for the next boot (a reboot is verified from it with
 * no AWS call) and for `watch` (which finishes a launch boot could not, and exports the outcome).
 * Nothing secret: ids, outcome, timings.
 */
export interface BootRecord {
  instanceId: string;
  /** The engine's node id at the end of boot; '' when it is in no swarm. */
  nodeId: string;
  role: Role | undefined;
  /** The engine was an active member of a swarm when boot ended. */
  member: boolean;
  /** The launching lifecycle action is answered (or there was none). */
  launchCompleted: boolean;
  outcome: 'healthy' | 'no-join' | 'gave-up' | 'failed';
  exitCode: number;
  durationMs: number;
  finishedAt: string;
}

export type BootRecordStore = StateFile<BootRecord>;

/** What this instance last asked the leader through its `swarmnode:drain` tag (undefined: nothing). */
export interface DrainRequestRecord {
  tag: string | undefined;
  at: string;
}
