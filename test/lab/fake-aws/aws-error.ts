/**
 * An error the fake returns to a client. `code` is the wire code the SDK maps to its exception
 * class (e.g. ParameterNotFound), so each protocol renders it in its own real error shape.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsError';
  }

  /** Who is at fault, as awsQuery's `<Type>` reports it. */
  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}
