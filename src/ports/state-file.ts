/** A small, non-secret record kept in the state directory across restarts and reboots (not across instances). */
export interface StateFile<T> {
  /** undefined when it was never written (or cannot be read: the next decisions must not trust it). */
  read(): Promise<T | undefined>;
  write(value: T): Promise<void>;
}
