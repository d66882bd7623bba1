import { countAwsCalls } from '../../adapters/aws/aws-call.js';
import { AwsFleet } from '../../adapters/aws/aws-fleet.js';
import { DockerEngine } from '../../adapters/docker/docker-engine.js';
import { DockerSwarmObjects } from '../../adapters/docker/docker-swarm-objects.js';
import { engineClient } from '../../adapters/docker/engine-call.js';
import { FileState } from '../../adapters/host/file-state.js';
import { ImdsMetadata } from '../../adapters/aws/imds-metadata.js';
import type * as AwsSdk from '../../adapters/aws/aws-sdk.js';
import { lazyClient } from '../../adapters/aws/lazy-client.js';
import { serveMetrics } from '../../adapters/metrics/metrics-server.js';
import { PromMetrics } from '../../adapters/metrics/prom-metrics.js';
import { S3BackupStore } from '../../adapters/aws/s3-backup-store.js';
import { SsmKmsSecretStore } from '../../adapters/aws/ssm-kms-secret-store.js';
import { systemClock } from '../../adapters/host/system-clock.js';
import { tcpPortProbe } from '../../adapters/host/tcp-port-probe.js';
import type { Config, ListenAddress } from '../../config/config.js';
import type { Logger } from '../../log/logger.js';
import type { BackupStore } from '../../ports/backup-store.js';
import type { BootRecord, BootRecordStore, DrainRequestRecord } from '../../ports/boot-record.js';
import type { StateFile } from '../../ports/state-file.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { Fleet } from '../../ports/fleet.js';
import type { InstanceIdentity, InstanceMetadata } from '../../ports/instance-metadata.js';
import type { Metrics, MetricsServer } from '../../ports/metrics.js';
import type { PortProbe } from '../../ports/port-probe.js';
import type { SecretStore } from '../../ports/secret-store.js';
import type { SwarmObjects } from '../../ports/swarm-objects.js';

/**
 * The SDK waits for ever on a silent connection by default: every AWS call gets a bound, so a hung
 * call becomes a retried failure within boot's deadline instead of holding it.
 */
const AWS_HTTP = { connectionTimeout: 5_000, requestTimeout: 30_000 };
/**
 * A whole fleet boots at once and shares the account's API rate: adaptive mode slows each client
 * down when it is throttled, and more attempts let a call get through inside an observation round
 * instead of failing the round and starting it again (which, fleet-wide, livelocks).
 */
const AWS_RETRY = { retryMode: 'adaptive', maxAttempts: 10 } as const;

/** Adapters that need the region, which may only be known from IMDS. */
export interface CloudServices {
  fleet: Fleet;
  secrets: SecretStore;
  /** undefined: SWARMNODE_BACKUP_BUCKET is not set, backups are off. */
  backups: BackupStore | undefined;
}

export interface Services {
  metadata: InstanceMetadata;
  engine: Engine;
  /** The swarm's services, networks, configs and secrets (backups, restore). */
  objects: SwarmObjects;
  clock: Clock;
  probe: PortProbe;
  bootRecords: BootRecordStore;
  drainRequests: StateFile<DrainRequestRecord>;
  metrics: Metrics;
  /** `GET /metrics` on `address`, serving `metrics`. */
  serveMetrics(address: ListenAddress, log: Logger): Promise<MetricsServer>;
  /** AWS_REGION when set, else the region IMDS reported for this instance. */
  cloud(identity: InstanceIdentity): CloudServices;
}

/**
 * The one composition root. The standard variables point the adapters at the lab or at AWS:
 * AWS_ENDPOINT_URL(_<SERVICE>) is read by the SDK clients themselves,
 * AWS_EC2_METADATA_SERVICE_ENDPOINT by the IMDS client, DOCKER_HOST by dockerode.
 */
export function compose(config: Config): Services {
  const bootRecords = new FileState<BootRecord>(config.stateDir, 'boot.json');
  const metrics = new PromMetrics(bootRecords, systemClock);
  countAwsCalls(metrics);
  const docker = engineClient();
  let cloud: CloudServices | undefined;
  return {
    metadata: new ImdsMetadata(),
    engine: new DockerEngine(docker, metrics),
    objects: new DockerSwarmObjects(docker),
    clock: systemClock,
    probe: tcpPortProbe,
    bootRecords,
    drainRequests: new FileState<DrainRequestRecord>(config.stateDir, 'drain-request.json'),
    metrics,
    serveMetrics: (address, log) => serveMetrics(address, () => metrics.exposition(), log),
    cloud(identity) {
      // One set of clients per process (boot run inside watch shares watch's), each made on first use.
      cloud ??= awsServices(config, { ...AWS_CLIENT_DEFAULTS, region: process.env.AWS_REGION || identity.region });
      return cloud;
    },
  };
}

/** How every AWS client is made: bounded requests, adaptive retries. */
export const AWS_CLIENT_DEFAULTS = { requestHandler: AWS_HTTP, ...AWS_RETRY };

/** What a client needs beyond the defaults; `endpoint` and `credentials` only where the environment does not give them. */
export type AwsClientConfig = typeof AWS_CLIENT_DEFAULTS & { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };

/** The AWS adapters over lazily made clients: a process that never calls AWS never loads the SDK. */
export function awsServices(config: Config, client: AwsClientConfig): CloudServices {
  const sdk = (): Promise<typeof AwsSdk> => import('../../adapters/aws/aws-sdk.js');
  return {
    fleet: new AwsFleet(
      lazyClient(sdk, (loaded) => new loaded.AutoScalingClient(client)),
      lazyClient(sdk, (loaded) => new loaded.EC2Client(client)),
    ),
    secrets: new SsmKmsSecretStore(
      lazyClient(sdk, (loaded) => new loaded.SSMClient(client)),
      lazyClient(sdk, (loaded) => new loaded.KMSClient(client)),
      config,
    ),
    backups:
      config.backupBucket === undefined
        ? undefined
        : new S3BackupStore(lazyClient(sdk, (loaded) => new loaded.S3Client(client)), { bucket: config.backupBucket, kmsKey: config.backupKmsKey, cluster: config.cluster }),
  };
}
