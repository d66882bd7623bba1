import type { FakeCloud } from './fake-cloud.js';
import type { JsonInput } from './json-protocol.js';
import type { QueryParams } from './query-params.js';
import type { XmlValue } from './xml.js';

/** The three wire protocols the fake speaks, each with its own error shape. */
export type Protocol = 'awsQuery' | 'ec2Query' | 'awsJson1_1';

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Who is calling, taken from the SigV4 Authorization header (signatures are not verified). */
export interface CallContext {
  cloud: FakeCloud;
  caller: string;
  instanceId: string | undefined;
  requestId: string;
}

/** An awsQuery/ec2Query action: form parameters in, the fields of its XML result out. */
export type QueryHandler = (params: QueryParams, ctx: CallContext) => Record<string, XmlValue>;

/** An awsJson action: the JSON input in, the JSON output out. */
export type JsonHandler = (input: JsonInput, ctx: CallContext) => object;
