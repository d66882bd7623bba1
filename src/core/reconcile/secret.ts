/** The swarm's secrets kept in SSM: both join tokens, and the unlock key while autolock is on. */
export type SwarmSecret = 'worker-token' | 'manager-token' | 'unlock-key';
export const SWARM_SECRETS: readonly SwarmSecret[] = ['worker-token', 'manager-token', 'unlock-key'];
