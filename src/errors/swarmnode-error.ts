/**
 * Every failure an operator can meet is a named subclass of this: it carries the exit code
 * (sysexits, see DESIGN.md), the cause, and the action that fixes it, so the single catch in the
 * composition root can print one clear line and exit with the right code.
 */
export abstract class SwarmnodeError extends Error {
  abstract readonly exitCode: number;
  /** What the operator should do about it, in one sentence. */
  readonly action: string;

  constructor(message: string, action: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.action = action;
  }
}
