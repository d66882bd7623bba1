/**
 * EC2 states an instance never comes back from. Only these make a node reapable or a lock holder
 * replaceable: a stopped instance can be started again.
 */
const GONE_FOR_GOOD = new Set(['shutting-down', 'terminated']);

export function isGoneForGood(ec2State: string | undefined): boolean {
  return GONE_FOR_GOOD.has(ec2State ?? '');
}
