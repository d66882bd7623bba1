import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** AWS refused an action: retrying cannot help, the instance role lacks a permission. */
export class AccessDeniedError extends SwarmnodeError {
  readonly exitCode = ExitCode.noPerm;
  /** IAM action, e.g. `kms:Decrypt`. */
  readonly awsAction: string;

  constructor(awsAction: string, options?: { cause?: unknown }) {
    super(
      `AWS denied ${awsAction}`,
      `allow ${awsAction} on this resource in the instance role's IAM policy (see iam/ in the swarmnode repository)`,
      options,
    );
    this.awsAction = awsAction;
  }
}
