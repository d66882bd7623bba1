import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsError } from './aws-error.js';
import { autoscalingApi } from './autoscaling-api.js';
import { ec2Api } from './ec2-api.js';
import type { FakeCloud } from './fake-cloud.js';
import { faultError } from './fault-error.js';
import { jsonError, jsonResponse, parseJsonInput } from './json-protocol.js';
import { kmsApi } from './kms-api.js';
import { awsQueryError, awsQueryResponse, ec2QueryError, ec2QueryResponse } from './query-protocol.js';
import { QueryParams } from './query-params.js';
import { readBody, sendWire } from './http-io.js';
import { ssmApi } from './ssm-api.js';
import type { CallShape } from './aws-throttle.js';
import { handleS3, isS3Request } from './s3-api.js';
import type { CallContext, JsonHandler, Protocol, QueryHandler, WireResponse } from './wire.js';

interface Route {
  protocol: Protocol;
  /** 'service:Action', as IAM names it: the key of counters and fault rules. */
  api: string;
  run(ctx: CallContext): WireResponse;
  /** Which AWS-like throttle bucket the call draws from, where the API name alone does not say. */
  shape?: CallShape;
}

const QUERY_SERVICES: Record<string, { service: string; protocol: Protocol; xmlns: string; api: Record<string, QueryHandler> }> = {
  '2011-01-01': { service: 'autoscaling', protocol: 'awsQuery', xmlns: 'http://autoscaling.amazonaws.com/doc/2011-01-01/', api: autoscalingApi },
  '2016-11-15': { service: 'ec2', protocol: 'ec2Query', xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/', api: ec2Api },
};

const JSON_SERVICES: Record<string, { service: string; api: Record<string, JsonHandler> }> = {
  TrentService: { service: 'kms', api: kmsApi },
  AmazonSSM: { service: 'ssm', api: ssmApi },
};

/** The AWS API endpoint: routes each request to its service, applies faults, counts, answers. */
export function awsRequestListener(cloud: FakeCloud): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // S3 speaks restXml with binary bodies: it has its own front (s3-api.ts).
    if (isS3Request(req)) {
      void handleS3(cloud, req, res, accessKeyOf(header(req, 'authorization')));
      return;
    }
    void handle(cloud, req).then((wire) => sendWire(res, wire));
  };
}

async function handle(cloud: FakeCloud, req: IncomingMessage): Promise<WireResponse> {
  const requestId = randomUUID();
  const target = header(req, 'x-amz-target');
  let protocol: Protocol = target === undefined ? 'awsQuery' : 'awsJson1_1';
  try {
    const route = routeOf(target, await readBody(req));
    protocol = route.protocol;
    const { caller, instanceId } = cloud.callerOf(accessKeyOf(header(req, 'authorization')));
    cloud.recordCall(route.api, caller);
    const decision = cloud.faults.decide(route.api, instanceId, route.shape);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.fault !== undefined) {
      cloud.recordRejection();
      if (decision.fault.kind === 'throttle') cloud.recordThrottle(route.api);
      const callerArn = `arn:aws:sts::${cloud.accountId}:assumed-role/swarmnode-lab/${caller}`;
      throw faultError(decision.fault, protocol, route.api, callerArn);
    }
    return route.run({ cloud, caller, instanceId, requestId });
  } catch (err) {
    const awsError = err instanceof AwsError ? err : new AwsError('InternalFailure', `The lab failed: ${String(err)}`, 500);
    if (protocol === 'awsJson1_1') return jsonError(awsError, requestId);
    return protocol === 'ec2Query' ? ec2QueryError(awsError, requestId) : awsQueryError(awsError, requestId);
  }
}

function routeOf(target: string | undefined, body: string): Route {
  if (target !== undefined) {
    const [prefix = '', action = ''] = target.split('.');
    const service = JSON_SERVICES[prefix];
    const handler = service?.api[action];
    if (service === undefined || handler === undefined) {
      throw new AwsError('UnknownOperationException', `The lab does not implement ${target}`);
    }
    return {
      protocol: 'awsJson1_1',
      api: `${service.service}:${action}`,
      run: (ctx) => jsonResponse(handler(parseJsonInput(body), ctx), ctx.requestId),
    };
  }
  const params = QueryParams.parse(body);
  const action = params.string('Action') ?? '';
  const service = QUERY_SERVICES[params.string('Version') ?? ''];
  if (service === undefined) throw new AwsError('InvalidAction', `The lab does not implement API version ${params.string('Version') ?? '(none)'}`);
  const handler = service.api[action];
  if (handler === undefined) {
    const error = new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
    // The error must come back in this service's own shape.
    return { protocol: service.protocol, api: `${service.service}:${action}`, run: () => { throw error; } };
  }
  const render = service.protocol === 'ec2Query' ? ec2QueryResponse : awsQueryResponse;
  return {
    protocol: service.protocol,
    api: `${service.service}:${action}`,
    run: (ctx) => render(action, handler(params, ctx), ctx.requestId, service.xmlns),
    // EC2 throttles some Describe* calls made with neither a filter nor pagination harder.
    shape: { unfilteredUnpaginated: params.structs('Filter').length === 0 && params.string('MaxResults') === undefined && params.string('NextToken') === undefined },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** SigV4: `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...`. */
function accessKeyOf(authorization: string | undefined): string {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1] ?? 'anonymous';
}
