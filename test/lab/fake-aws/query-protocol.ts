import type { AwsError } from './aws-error.js';
import type { WireResponse } from './wire.js';
import { escapeXml, xmlChildren, type XmlValue } from './xml.js';

const XML_HEADERS = { 'content-type': 'text/xml' };

/** An awsQuery (Auto Scaling) answer: `<XResponse><XResult>...</XResult><ResponseMetadata>`. */
export function awsQueryResponse(action: string, result: Record<string, XmlValue>, requestId: string, xmlns: string): WireResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}">` +
    `<${action}Result>${xmlChildren(result, 'member')}</${action}Result>` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: XML_HEADERS, body };
}

export function awsQueryError(err: AwsError, requestId: string): WireResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${err.fault}</Type>` +
    `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
  return { status: err.status, headers: XML_HEADERS, body };
}

/** An ec2Query answer: no Result wrapper, lists of `item`, a lower-case `requestId`. */
export function ec2QueryResponse(action: string, result: Record<string, XmlValue>, requestId: string, xmlns: string): WireResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}">` +
    `<requestId>${escapeXml(requestId)}</requestId>${xmlChildren(result, 'item')}</${action}Response>`;
  return { status: 200, headers: XML_HEADERS, body };
}

export function ec2QueryError(err: AwsError, requestId: string): WireResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`;
  return { status: err.status, headers: XML_HEADERS, body };
}
