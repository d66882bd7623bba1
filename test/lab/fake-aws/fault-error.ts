import { AwsError } from './aws-error.js';
import type { FaultDecision } from './faults.js';
import type { Protocol } from './wire.js';

type Fault = NonNullable<FaultDecision['fault']>;

/** The error AWS itself answers for an injected fault, in the code each protocol really uses. */
export function faultError(fault: Fault, protocol: Protocol, api: string, callerArn: string): AwsError {
  switch (fault.kind) {
    case 'throttle':
      if (protocol === 'ec2Query') return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
      // KMS words its throttling its own way (AWS Knowledge Center "kms-throttlingexception-error").
      if (api.startsWith('kms:')) return new AwsError('ThrottlingException', 'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.');
      return new AwsError(protocol === 'awsQuery' ? 'Throttling' : 'ThrottlingException', 'Rate exceeded');
    case 'deny': {
      const message = `User: ${callerArn} is not authorized to perform: ${api} because no identity-based policy allows the ${api} action`;
      if (protocol === 'ec2Query') return new AwsError('UnauthorizedOperation', `You are not authorized to perform this operation. ${message}`, 403);
      return protocol === 'awsQuery' ? new AwsError('AccessDenied', message, 403) : new AwsError('AccessDeniedException', message);
    }
    case 'server':
      return fault.code === 'ServiceUnavailable'
        ? new AwsError('ServiceUnavailable', 'Service is unavailable. Please try again.', 503)
        : new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
  }
}
