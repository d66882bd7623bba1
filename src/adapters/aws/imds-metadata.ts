import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { DependencyUnavailableError } from '../../errors/dependency-unavailable-error.js';
import type { InstanceIdentity, InstanceMetadata, ScheduledEvent, SpotInterruption } from '../../ports/instance-metadata.js';

const IMDS_ACTION =
  'check that the instance metadata service is enabled with HttpTokens=required and a hop limit of at least 1 ' +
  '(AWS_EC2_METADATA_SERVICE_ENDPOINT overrides its address)';

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** IMDSv2 only (a token for every session, no v1 fallback); the endpoint follows AWS_EC2_METADATA_SERVICE_ENDPOINT. */
export class ImdsMetadata implements InstanceMetadata {
  readonly #service: MetadataService;

  constructor() {
    this.#service = new MetadataService({
      ec2MetadataV1Disabled: true,
      httpOptions: { timeout: 2_000 },
      retries: 3,
      backoff: (failures) => 0.5 * 2 ** failures,
    });
  }

  /** undefined on 404: the path only exists when the fact applies (in an ASG, spot interrupted). */
  async #get(path: string, optional: boolean): Promise<string | undefined> {
    try {
      // The client appends the path to the endpoint's pathname, which is already `/`.
      return (await this.#service.request(`latest/meta-data/${path}`, {})).trim();
    } catch (error) {
      if (optional && status(error) === 404) return undefined;
      throw new DependencyUnavailableError('IMDS', `instance metadata ${path} unavailable: ${(error as Error).message}`, IMDS_ACTION, { cause: error });
    }
  }

  async #required(path: string): Promise<string> {
    return (await this.#get(path, false)) as string;
  }

  async identity(): Promise<InstanceIdentity> {
    const instanceId = await this.#required('instance-id');
    const [region, availabilityZone, localIpv4, instanceType, lifecycle] = await Promise.all([
      this.#required('placement/region'),
      this.#required('placement/availability-zone'),
      this.#required('local-ipv4'),
      this.#required('instance-type'),
      this.#get('instance-life-cycle', true),
    ]);
    return { instanceId, region, availabilityZone, localIpv4, instanceType, lifecycle: lifecycle === 'spot' ? 'spot' : 'on-demand' };
  }

  targetLifecycleState(): Promise<string | undefined> {
    return this.#get('autoscaling/target-lifecycle-state', true);
  }

  async spotInterruption(): Promise<SpotInterruption | undefined> {
    const body = await this.#get('spot/instance-action', true);
    return body === undefined ? undefined : (JSON.parse(body) as SpotInterruption);
  }

  async rebalanceRecommendation(): Promise<string | undefined> {
    const body = await this.#get('events/recommendations/rebalance', true);
    return body === undefined ? undefined : (JSON.parse(body) as { noticeTime: string }).noticeTime;
  }

  /** Times come as `21 Jan 2019 09:00:43 GMT` (EC2 user guide, scheduled events in instance metadata). */
  async scheduledEvents(): Promise<ScheduledEvent[]> {
    const body = await this.#get('events/maintenance/scheduled', true);
    const raw = body === undefined || body === '' ? [] : (JSON.parse(body) as { EventId?: string; Code?: string; NotBefore?: string; NotAfter?: string; State?: string }[]);
    return raw.flatMap((e) => {
      const notBefore = Date.parse(e.NotBefore ?? '');
      if (e.EventId === undefined || Number.isNaN(notBefore)) return [];
      const notAfter = e.NotAfter === undefined ? Number.NaN : Date.parse(e.NotAfter);
      return [{ eventId: e.EventId, code: e.Code ?? '', notBefore, notAfter: Number.isNaN(notAfter) ? undefined : notAfter, state: e.State ?? 'active' }];
    });
  }
}
