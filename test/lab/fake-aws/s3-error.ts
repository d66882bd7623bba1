import { AwsError } from './aws-error.js';

/**
 * An S3 error: restXml renders it as `<Error><Code/><Message/>…extra fields…<RequestId/></Error>`
 * (no namespace, unlike S3's success bodies), with any headers S3 adds to that error (e.g.
 * `x-amz-delete-marker` on a GET of a deleted key).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
export class S3Error extends AwsError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly fields: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, status);
    this.name = 'S3Error';
  }
}

export const s3Errors = {
  noSuchBucket: (bucket: string) => new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket }),
  noSuchKey: (key: string, headers: Record<string, string> = {}) => new S3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key }, headers),
  noSuchVersion: (key: string, versionId: string) =>
    new S3Error('NoSuchVersion', 'The specified version does not exist.', 404, { Key: key, VersionId: versionId }),
  invalidArgument: (message: string, name: string, value: string) =>
    new S3Error('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value }),
  notImplemented: () => new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented.', 501),
  preconditionFailed: (condition: string) =>
    new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: condition }),
};
