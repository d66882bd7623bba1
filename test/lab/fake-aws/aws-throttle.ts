/**
 * AWS's own request throttling, per API family, as token buckets sized like AWS's documented
 * defaults and scaled down for the lab (`scale: 0.1` = a tenth of AWS's rates and burst sizes, so a
 * lab-sized fleet meets throttling the way a ten times larger fleet would on AWS).
 *
 * A bucket holds `capacity` tokens and gains `refillPerSec` tokens a second (continuously, up to
 * its capacity); each call takes one, and a call finding none is throttled. This is the algorithm
 * EC2 documents; for the services that publish only a "transactions per second" quota, the bucket
 * holds one second's worth.
 */

/** What, besides its API name, decides the bucket a call draws from. */
export interface CallShape {
  /** S3 object and listing requests: the partitioned prefix they address, and their request class. */
  s3?: { bucket: string; prefix: string; access: 'read' | 'write' };
  /** An EC2 Describe* call made with neither a filter nor pagination (MaxResults/NextToken). */
  unfilteredUnpaginated?: boolean;
}

export type ThrottleFamily =
  | 'ssm-get'
  | 'ssm-put'
  | 'autoscaling'
  | 'ec2-non-mutating'
  | 'ec2-unfiltered'
  | 'ec2-mutating'
  | 'ec2-tags'
  | 'kms-crypto'
  | 's3-read'
  | 's3-write';

export interface BucketSize {
  capacity: number;
  refillPerSec: number;
}

/**
 * KMS "Cryptographic operations (symmetric) request rate", shared by Decrypt, Encrypt,
 * GenerateDataKey(WithoutPlaintext), GenerateMac, GenerateRandom, ReEncrypt and VerifyMac, per
 * account and Region, including the calls services such as S3 make on the caller's behalf.
 * https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html
 */
function kmsCryptoPerSec(region: string): number {
  if (['us-east-1', 'us-west-2', 'eu-west-1'].includes(region)) return 100_000;
  if (['us-east-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'eu-central-1', 'eu-west-2'].includes(region)) return 20_000;
  return 10_000;
}

/** AWS's default limits, unscaled. */
export function awsDefaultLimits(region: string): Record<ThrottleFamily, BucketSize> {
  const kms = kmsCryptoPerSec(region);
  return {
    // Parameter Store "Max throughput (transactions per second)": default throughput 40, shared by
    // GetParameter, GetParameters and GetParametersByPath (higher throughput, a paid account
    // setting, is off). https://docs.aws.amazon.com/general/latest/gr/ssm.html
    'ssm-get': { capacity: 40, refillPerSec: 40 },
    // PutParameter: 3 TPS at default throughput (10 with higher throughput). AWS does not publish
    // it; AWS Support gave it, see github-aws-runners/terraform-aws-github-runner#2944.
    'ssm-put': { capacity: 3, refillPerSec: 3 },
    // All Amazon EC2 Auto Scaling API calls share a single bucket per account and Region (AWS
    // Knowledge Center "autoscaling-api-calls-throttled"). AWS publishes no figure for it: this
    // assumes the size of EC2's non-mutating bucket. Override with `limits.autoscaling`.
    autoscaling: { capacity: 100, refillPerSec: 20 },
    // EC2 request rate limiting, one bucket per API, sized by category (bucket maximum capacity,
    // refill rate per second). https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
    'ec2-non-mutating': { capacity: 100, refillPerSec: 20 },
    'ec2-unfiltered': { capacity: 50, refillPerSec: 10 },
    'ec2-mutating': { capacity: 50, refillPerSec: 5 },
    'ec2-tags': { capacity: 100, refillPerSec: 10 },
    'kms-crypto': { capacity: kms, refillPerSec: kms },
    // "at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second per partitioned
    // Amazon S3 prefix". https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html
    's3-read': { capacity: 5_500, refillPerSec: 5_500 },
    's3-write': { capacity: 3_500, refillPerSec: 3_500 },
  };
}

const SSM_GET = new Set(['GetParameter', 'GetParameters', 'GetParametersByPath']);
const KMS_CRYPTO = new Set(['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'GenerateRandom', 'ReEncrypt', 'VerifyMac']);
/** EC2's "Unfiltered and unpaginated non-mutating actions". */
const EC2_UNFILTERED = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);
/** EC2 "uncategorized actions" with their own size; the only ones the lab's fake may serve. */
const EC2_TAGS = new Set(['CreateTags', 'DeleteTags']);

/** The family and the bucket (within it) a call draws from, or undefined when the model does not throttle it. */
export function bucketOf(api: string, shape: CallShape = {}): { family: ThrottleFamily; key: string } | undefined {
  const [service = '', action = ''] = api.split(':');
  switch (service) {
    case 'ssm':
      if (SSM_GET.has(action)) return { family: 'ssm-get', key: 'ssm:GetParameter*' };
      // DeleteParameter and the rest have no published or reported default: not throttled here.
      return action === 'PutParameter' ? { family: 'ssm-put', key: 'ssm:PutParameter' } : undefined;
    case 'autoscaling':
      return { family: 'autoscaling', key: 'autoscaling:*' };
    case 'ec2':
      // "each API is evaluated individually": one bucket per API.
      if (EC2_UNFILTERED.has(action) && shape.unfilteredUnpaginated === true) return { family: 'ec2-unfiltered', key: `${api}#unfiltered` };
      if (/^(Describe|List|Search|Get)/.test(action)) return { family: 'ec2-non-mutating', key: api };
      return { family: EC2_TAGS.has(action) ? 'ec2-tags' : 'ec2-mutating', key: api };
    case 'kms':
      // Management operations have small quotas of their own; the lab's KMS serves none of them.
      return KMS_CRYPTO.has(action) ? { family: 'kms-crypto', key: 'kms:crypto' } : undefined;
    case 's3': {
      if (shape.s3 === undefined) return undefined;
      const { bucket, prefix, access } = shape.s3;
      return { family: access === 'read' ? 's3-read' : 's3-write', key: `s3:${bucket}/${prefix}#${access}` };
    }
    default:
      return undefined;
  }
}

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly size: BucketSize,
    now: number,
  ) {
    this.tokens = size.capacity;
    this.refilledAt = now;
  }

  /** Takes a token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    const elapsedSec = Math.max(0, now - this.refilledAt) / 1000;
    this.tokens = Math.min(this.size.capacity, this.tokens + elapsedSec * this.size.refillPerSec);
    this.refilledAt = now;
  }
}

export interface AwsThrottleOptions {
  /** Multiplies every capacity and refill rate (a capacity never drops below one token). Default 1. */
  scale?: number;
  /** Picks the Region-dependent quotas (KMS). Default eu-west-1, the fake's default Region. */
  region?: string;
  /** Replaces AWS's figures for some families (before scaling). */
  limits?: Partial<Record<ThrottleFamily, Partial<BucketSize>>>;
}

/** The token buckets of every family, created on first use (an S3 prefix, an EC2 API). */
export class AwsThrottle {
  readonly limits: Readonly<Record<ThrottleFamily, BucketSize>>;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly now: () => number,
    opts: AwsThrottleOptions = {},
  ) {
    const scale = opts.scale ?? 1;
    if (!(scale > 0)) throw new Error(`throttleLikeAws: scale must be positive, not ${scale}`);
    const defaults = awsDefaultLimits(opts.region ?? 'eu-west-1');
    const limits = {} as Record<ThrottleFamily, BucketSize>;
    for (const family of Object.keys(defaults) as ThrottleFamily[]) {
      const size = { ...defaults[family], ...opts.limits?.[family] };
      limits[family] = { capacity: Math.max(1, size.capacity * scale), refillPerSec: size.refillPerSec * scale };
    }
    this.limits = limits;
  }

  /** Takes a token from the call's bucket: false when throttled, undefined when the call is not throttled by this model. */
  take(api: string, shape: CallShape = {}): { family: ThrottleFamily; allowed: boolean } | undefined {
    const where = bucketOf(api, shape);
    if (where === undefined) return undefined;
    let bucket = this.buckets.get(where.key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.limits[where.family], this.now());
      this.buckets.set(where.key, bucket);
    }
    return { family: where.family, allowed: bucket.take(this.now()) };
  }
}
