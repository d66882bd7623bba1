/**
 * Auto Scaling answers ValidationError "No active Lifecycle Action found" once the action is over
 * (answered, timed out), or when the hook name is wrong.
 */
export function isNoActiveAction(error: unknown): boolean {
  return error instanceof Error && /no active lifecycle action/i.test(error.message);
}
