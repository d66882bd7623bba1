import { AwsError } from './aws-error.js';
import { optionalBoolean, optionalNumber, optionalString, requiredString } from './json-protocol.js';
import { paginate } from './pagination.js';
import type { ParameterStore, ParameterType, StoredParameter } from './parameter-store.js';
import type { JsonHandler } from './wire.js';

/** SSM Parameter Store (awsJson1_1, AmazonSSM): GetParameter, GetParameters, PutParameter, DeleteParameter, GetParametersByPath. */
export const ssmApi: Record<string, JsonHandler> = {
  GetParameter(input, { cloud }) {
    const stored = cloud.parameters.require(requiredString(input, 'Name'));
    return { Parameter: parameterJson(cloud.parameters, stored, optionalBoolean(input, 'WithDecryption')) };
  },

  GetParameters(input, { cloud }) {
    const names = input.Names;
    // "Array Members: Minimum number of 1 item. Maximum number of 10 items." A missing parameter is
    // no error: it is listed in InvalidParameters. "The results for GetParameters requests are
    // listed in alphabetical order." (API_GetParameters)
    if (!Array.isArray(names) || names.length < 1 || names.length > 10 || !names.every((n) => typeof n === 'string')) {
      throw new AwsError('ValidationException', "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10, Member must have length greater than or equal to 1");
    }
    const wanted = [...new Set(names as string[])].sort();
    const withDecryption = optionalBoolean(input, 'WithDecryption');
    const found = wanted.flatMap((name) => {
      const stored = cloud.parameters.get(name);
      return stored === undefined ? [] : [parameterJson(cloud.parameters, stored, withDecryption)];
    });
    return { Parameters: found, InvalidParameters: wanted.filter((name) => cloud.parameters.get(name) === undefined) };
  },

  PutParameter(input, { cloud }) {
    const type = optionalString(input, 'Type');
    if (type !== undefined && type !== 'String' && type !== 'SecureString') {
      throw new AwsError('UnsupportedParameterType', `Parameter type ${type} is not supported by the lab.`);
    }
    const stored = cloud.parameters.put({
      name: requiredString(input, 'Name'),
      value: requiredString(input, 'Value'),
      type: type as ParameterType | undefined,
      keyId: optionalString(input, 'KeyId'),
      overwrite: optionalBoolean(input, 'Overwrite'),
    });
    return { Version: stored.version, Tier: 'Standard' };
  },

  DeleteParameter(input, { cloud }) {
    cloud.parameters.delete(requiredString(input, 'Name'));
    return {};
  },

  GetParametersByPath(input, { cloud }) {
    const maxResults = optionalNumber(input, 'MaxResults');
    // "Valid Range: Minimum value of 1. Maximum value of 10."
    if (maxResults !== undefined && (maxResults < 1 || maxResults > 10)) {
      const bound = maxResults < 1 ? 'greater than or equal to 1' : 'less than or equal to 10';
      throw new AwsError('ValidationException', `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value ${bound}`);
    }
    const all = cloud.parameters.byPath(requiredString(input, 'Path'), optionalBoolean(input, 'Recursive'));
    const { page, nextToken } = paginate(all, {
      maxResults,
      nextToken: optionalString(input, 'NextToken'),
      defaultSize: 10,
      maxSize: 10,
      sizeError: 'ValidationException',
      tokenError: 'InvalidNextToken',
    });
    const withDecryption = optionalBoolean(input, 'WithDecryption');
    return { Parameters: page.map((p) => parameterJson(cloud.parameters, p, withDecryption)), NextToken: nextToken };
  },
};

function parameterJson(store: ParameterStore, p: StoredParameter, withDecryption: boolean): object {
  return {
    Name: p.name,
    Type: p.type,
    Value: store.reveal(p, withDecryption),
    Version: p.version,
    // awsJson timestamps are epoch seconds.
    LastModifiedDate: p.lastModifiedDate.getTime() / 1000,
    ARN: p.arn,
    DataType: 'text',
  };
}
