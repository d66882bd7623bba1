import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** One bad configuration value: which key, what it held, what it must be. */
export interface ConfigProblem {
  key: string;
  /** undefined when the key is missing. */
  value: string | undefined;
  expected: string;
}

/** Every configuration problem at once, found before anything is touched. */
export class ConfigError extends SwarmnodeError {
  readonly exitCode = ExitCode.usage;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) =>
      p.value === undefined ? `${p.key} is missing: expected ${p.expected}` : `${p.key}=${JSON.stringify(p.value)} is invalid: expected ${p.expected}`,
    );
    super(
      `invalid configuration: ${lines.join('; ')}`,
      'fix these keys in /etc/swarmnode/swarmnode.env (or the matching --flags); `swarmnode --help` lists them',
    );
    this.problems = problems;
  }
}
