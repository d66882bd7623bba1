import type { NeededFact } from './facts.js';

/** What boot does next, as plain data with its reason: `plan` prints it, boot executes it. */
export type BootStep =
  | { kind: 'need'; fact: NeededFact; reason: string }
  | { kind: 'unlock'; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'leave'; force: boolean; reason: string }
  | { kind: 'join'; remoteAddrs: string[]; advertiseAddr: string; reason: string }
  | { kind: 'take-lock'; lock: string; reason: string }
  /** `swarm init`, then at once what `publish` does with `lock`, a record of `generation` and the tokens. */
  | { kind: 'init'; advertiseAddr: string; lock: string; generation: number; reason: string }
  /**
   * `lock`: the init lock this instance holds, marked as published before anything else is written;
   * `record`: the cluster record is missing (or names a dead generation) and must be written, with
   * `generation`, before the tokens.
   */
  | { kind: 'publish'; lock: string | undefined; record: boolean; generation: number; reason: string }
  /** A manager that joined adds itself to the record's managers before it counts as healthy. */
  | { kind: 'register'; reason: string }
  | { kind: 'healthy'; nodeId: string; reason: string };

/** How long a background join (`pending`) may run before boot leaves and joins again. */
export const PENDING_GRACE_MS = 60_000;
/** Port of the swarm's raft and join API. */
export const SWARM_PORT = 2377;
/** Successor locks are bounded: more vanished holders in a row than this is not a boot to automate. */
export const MAX_LOCK_CHAIN = 10;
/**
 * Head start a free init lock gives each manager ranked before this one (peers.ts electionRank):
 * long enough for the first to take the lock and open 2377, short enough that a first candidate
 * that never boots delays the election by seconds. Not a safety rule: the lock decides.
 */
export const ELECTION_HEAD_START_MS = 5_000;
