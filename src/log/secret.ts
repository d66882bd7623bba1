import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A join token or unlock key. Every way a value gets printed (JSON, string conversion, util.inspect,
 * pino) shows "[redacted]", so a secret cannot reach a log line by accident; `reveal()` is called
 * only at the single place that hands the value to KMS or the engine.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  equals(other: Secret | undefined): boolean {
    return other !== undefined && other.#value === this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
