import type { BootFacts } from './facts.js';

/**
 * The generation an election of this boot is for: the first swarm when no record exists, else the
 * one after the recorded swarm (a rebirth, once every recorded manager is gone for good).
 */
export function electionGeneration(facts: Pick<BootFacts, 'clusterSwarmId' | 'clusterGeneration'>): number {
  return facts.clusterSwarmId === undefined ? 1 : (facts.clusterGeneration ?? 1) + 1;
}

/** `init-lock` for the first swarm (its name since the first release), `init-lock-g<N>` after. */
export function electionLock(generation: number): string {
  return generation === 1 ? 'init-lock' : `init-lock-g${generation}`;
}
