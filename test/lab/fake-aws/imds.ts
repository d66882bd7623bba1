import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeCloud } from './fake-cloud.js';
import { imdsEventJson } from './scheduled-events.js';
import type { FakeInstance } from './types.js';
import { targetLifecycleState } from './warm-pool.js';

const ROLE_NAME = 'swarmnode-lab';
const MAX_TTL_SEC = 21600;
const MAX_TOKENS = 10_000;

interface Token {
  instanceId: string;
  expiresAt: number;
}

type Answer = { status: number; body: string; headers?: Record<string, string> };

/**
 * IMDSv2 for every instance of the cloud, told apart by the caller's source address (its private
 * IP). v1 (GET without a session token) is refused, as on an instance with HttpTokens=required.
 */
export function imdsRequestListener(cloud: FakeCloud): (req: IncomingMessage, res: ServerResponse) => void {
  const tokens = new Map<string, Token>();
  return (req, res) => {
    // IMDS requests carry no body; drain anything sent so the socket can be reused.
    req.resume();
    const answer = respond(cloud, tokens, req);
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end(answer.body);
  };
}

function respond(cloud: FakeCloud, tokens: Map<string, Token>, req: IncomingMessage): Answer {
  const instance = instanceOf(cloud, req);
  if (instance === undefined) return { status: 403, body: 'Forbidden: not an instance of this lab' };
  // MetadataService joins an endpoint ending in '/' with a path starting with '/': accept '//'.
  const path = ((req.url ?? '/').split('?')[0] ?? '/').replace(/\/{2,}/g, '/');
  if (path === '/latest/api/token') return issueToken(cloud, tokens, instance, req);
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, body: 'Method Not Allowed' };
  const token = tokens.get(headerOf(req, 'x-aws-ec2-metadata-token') ?? '');
  if (token === undefined || token.instanceId !== instance.instanceId || token.expiresAt <= cloud.now()) {
    return { status: 401, body: 'Unauthorized' };
  }
  const body = metadata(cloud, instance, path);
  return body === undefined ? { status: 404, body: 'Not Found' } : { status: 200, body };
}

function issueToken(cloud: FakeCloud, tokens: Map<string, Token>, instance: FakeInstance, req: IncomingMessage): Answer {
  if (req.method !== 'PUT') return { status: 405, body: 'Method Not Allowed' };
  // Real IMDS refuses token requests that went through a proxy.
  if (req.headers['x-forwarded-for'] !== undefined) return { status: 403, body: 'Forbidden' };
  const rawTtl = headerOf(req, 'x-aws-ec2-metadata-token-ttl-seconds');
  const ttl = Number(rawTtl);
  if (rawTtl === undefined || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SEC) return { status: 400, body: 'Bad Request' };
  prune(cloud, tokens);
  const token = randomBytes(32).toString('base64url');
  tokens.set(token, { instanceId: instance.instanceId, expiresAt: cloud.now() + ttl * 1000 });
  return { status: 200, body: token, headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) } };
}

/** Keeps the token table bounded: expired tokens go, and the oldest if it is still full. */
function prune(cloud: FakeCloud, tokens: Map<string, Token>): void {
  const now = cloud.now();
  for (const [key, token] of tokens) if (token.expiresAt <= now) tokens.delete(key);
  for (const key of tokens.keys()) {
    if (tokens.size < MAX_TOKENS) break;
    tokens.delete(key);
  }
}

function instanceOf(cloud: FakeCloud, req: IncomingMessage): FakeInstance | undefined {
  const testId = headerOf(req, 'x-lab-instance-id');
  if (cloud.imdsTestHeader && testId !== undefined) return cloud.instance(testId);
  const address = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return cloud.instanceByIp(address);
}

function metadata(cloud: FakeCloud, i: FakeInstance, path: string): string | undefined {
  const hostname = `ip-${i.privateIp.replaceAll('.', '-')}.${cloud.region}.compute.internal`;
  const paths: Record<string, () => string | undefined> = {
    '/latest/meta-data/instance-id': () => i.instanceId,
    '/latest/meta-data/placement/region': () => cloud.region,
    '/latest/meta-data/placement/availability-zone': () => i.availabilityZone,
    '/latest/meta-data/local-ipv4': () => i.privateIp,
    '/latest/meta-data/local-hostname': () => hostname,
    '/latest/meta-data/hostname': () => hostname,
    '/latest/meta-data/instance-type': () => i.instanceType,
    '/latest/meta-data/instance-life-cycle': () => i.lifecycle,
    '/latest/meta-data/ami-id': () => 'ami-0000000000000lab0',
    '/latest/meta-data/autoscaling/target-lifecycle-state': () => targetLifecycleState(i),
    '/latest/meta-data/spot/instance-action': () =>
      i.spotAction === undefined ? undefined : JSON.stringify({ action: i.spotAction.action, time: isoSeconds(i.spotAction.time) }),
    // 404 until a recommendation, then e.g. {"noticeTime": "2020-10-27T08:22:00Z"} (Spot rebalance guide).
    '/latest/meta-data/events/recommendations/rebalance': () =>
      i.rebalanceNotice === undefined ? undefined : JSON.stringify({ noticeTime: isoSeconds(i.rebalanceNotice) }),
    // Active events, and completed or canceled ones (State says which; AWS's node termination
    // handler reads both from here); history lists only the completed and canceled ones.
    '/latest/meta-data/events/maintenance/scheduled': () => JSON.stringify(i.events.map(imdsEventJson)),
    '/latest/meta-data/events/maintenance/history': () => JSON.stringify(i.events.filter((e) => e.state !== 'active').map(imdsEventJson)),
    '/latest/meta-data/iam/security-credentials/': () => ROLE_NAME,
    [`/latest/meta-data/iam/security-credentials/${ROLE_NAME}`]: () => credentialsJson(cloud, i),
    '/latest/dynamic/instance-identity/document': () => identityDocument(cloud, i),
  };
  return paths[path]?.();
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function credentialsJson(cloud: FakeCloud, i: FakeInstance): string {
  const c = cloud.instanceCredentials(i.instanceId);
  return JSON.stringify({
    Code: 'Success',
    LastUpdated: new Date(cloud.now()).toISOString(),
    Type: 'AWS-HMAC',
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: c.expiration.toISOString(),
  });
}

function identityDocument(cloud: FakeCloud, i: FakeInstance): string {
  return JSON.stringify({
    accountId: cloud.accountId,
    architecture: 'x86_64',
    availabilityZone: i.availabilityZone,
    imageId: 'ami-0000000000000lab0',
    instanceId: i.instanceId,
    instanceType: i.instanceType,
    pendingTime: i.launchTime.toISOString(),
    privateIp: i.privateIp,
    region: cloud.region,
    version: '2017-09-30',
  });
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
