import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { DockerEngine } from '../../src/adapters/docker/docker-engine.js';
import { DockerSwarmObjects } from '../../src/adapters/docker/docker-swarm-objects.js';
import { RecordingMetrics } from '../unit/recording-metrics.js';
import { FileState } from '../../src/adapters/host/file-state.js';
import { systemClock } from '../../src/adapters/host/system-clock.js';
import { tcpPortProbe } from '../../src/adapters/host/tcp-port-probe.js';
import { boot } from '../../src/app/boot/boot.js';
import { AWS_CLIENT_DEFAULTS, awsServices, type Services } from '../../src/app/shared/compose.js';
import { loadConfig } from '../../src/config/load-config.js';
import { SwarmnodeError } from '../../src/errors/swarmnode-error.js';
import { createLogger } from '../../src/log/logger.js';
import type { BootRecord, DrainRequestRecord } from '../../src/ports/boot-record.js';
import type { InstanceMetadata } from '../../src/ports/instance-metadata.js';
import { StandInSwarms, type EngineStandIn } from './engine-stand-in.js';
import type { FakeCloud } from './fake-aws/fake-cloud.js';
import type { InstanceHost, LaunchSpec } from './fake-aws/types.js';
import { targetLifecycleState } from './fake-aws/warm-pool.js';

export interface StandInHostOptions {
  cloud: FakeCloud;
  /** The fake AWS endpoint the agents' SDK clients call over HTTP. */
  awsUrl: string;
  cluster: string;
  /** Where each instance keeps its state directory and its agent's log. */
  dir: string;
  /** SWARMNODE_* settings of every agent, as the env file would give them. */
  env?: Record<string, string>;
}

/** How one instance's boot ended. */
export interface BootEnd {
  instanceId: string;
  exitCode: number;
  /** Epoch ms at which boot ended. */
  at: number;
}

/**
 * Instances without namespaces, for fleets larger than the lab's real engines allow: each launch
 * gets an ENGINE STAND-IN (engine-stand-in.ts, not Docker) on its private IP, a loopback address,
 * and runs swarmnode's real boot (src/app/boot) in this process, with the production adapters:
 * the AWS SDK clients over HTTP to the fake endpoint (signed with the instance's own credentials,
 * so calls are counted per instance, and with the production retry settings), dockerode to the
 * stand-in, TCP probes of 2377, the boot record in a state directory. Only IMDS is answered in
 * process from the fake cloud's record of the instance (IMDS calls are free on EC2 and not counted).
 */
export class StandInHost implements InstanceHost {
  readonly swarms = new StandInSwarms();
  readonly #engines = new Map<string, EngineStandIn>();
  readonly #boots = new Map<string, Promise<BootEnd>>();

  constructor(private readonly opts: StandInHostOptions) {}

  async launch(spec: LaunchSpec): Promise<void> {
    const engine = await this.swarms.engine(spec.privateIp, `ip-${spec.privateIp.replaceAll('.', '-')}`);
    this.#engines.set(spec.instanceId, engine);
    // The agent starts once the instance runs (its hook then holds it in Pending:Wait), as after an OS boot.
    this.#boots.set(spec.instanceId, new Promise((resolve) => setTimeout(() => resolve(this.boot(spec.instanceId)), 0)));
  }

  /** How the instance's first boot ended. */
  bootEnd(instanceId: string): Promise<BootEnd> {
    const end = this.#boots.get(instanceId);
    if (end === undefined) throw new Error(`${instanceId} was not launched on this host`);
    return end;
  }

  /** Runs `swarmnode boot` again in the instance, as after a reboot (the engine and the state directory are kept). */
  reboot(instanceId: string): Promise<void> {
    this.#boots.set(instanceId, this.boot(instanceId));
    return Promise.resolve();
  }

  terminate(instanceId: string): Promise<void> {
    const engine = this.#engines.get(instanceId);
    this.#engines.delete(instanceId);
    return engine?.close() ?? Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.reject(new Error('stand-in instances are not stopped (no warm pools or stop events in this host)'));
  }

  start(): Promise<void> {
    return Promise.reject(new Error('stand-in instances are not started after a stop'));
  }

  partition(): Promise<void> {
    return Promise.reject(new Error('stand-in instances have no network of their own to cut'));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#boots.values()]);
    await this.swarms.close();
  }

  private async boot(instanceId: string): Promise<BootEnd> {
    const { cloud, cluster } = this.opts;
    const dir = join(this.opts.dir, instanceId);
    mkdirSync(dir, { recursive: true });
    const config = loadConfig({ SWARMNODE_CLUSTER: cluster, SWARMNODE_STATE_DIR: dir, ...this.opts.env });
    const logFd = openSync(join(dir, 'swarmnode.log'), 'a');
    try {
      const log = createLogger(config.logLevel, 'boot', logFd);
      const services = this.services(instanceId, config.stateDir, cloud);
      const exitCode = await boot({ config, services: { ...services, cloud: () => awsServices(config, this.clientConfig(instanceId)) }, log, signal: new AbortController().signal }).catch((error: unknown) =>
        error instanceof SwarmnodeError ? error.exitCode : 1,
      );
      return { instanceId, exitCode, at: Date.now() };
    } finally {
      closeSync(logFd);
    }
  }

  private clientConfig(instanceId: string) {
    return { ...AWS_CLIENT_DEFAULTS, region: this.opts.cloud.region, endpoint: this.opts.awsUrl, credentials: this.opts.cloud.instanceCredentials(instanceId) };
  }

  private services(instanceId: string, stateDir: string, cloud: FakeCloud): Omit<Services, 'cloud'> {
    const engine = this.#engines.get(instanceId) as EngineStandIn;
    const docker = new Dockerode({ host: engine.ip, port: engine.apiPort, timeout: 60_000 });
    return {
      metadata: imdsOf(cloud, instanceId),
      engine: new DockerEngine(docker),
      objects: new DockerSwarmObjects(docker),
      metrics: new RecordingMetrics(),
      serveMetrics: () => Promise.reject(new Error('stand-in instances boot only: they serve no metrics')),
      clock: systemClock,
      probe: tcpPortProbe,
      bootRecords: new FileState<BootRecord>(stateDir, 'boot.json'),
      drainRequests: new FileState<DrainRequestRecord>(stateDir, 'drain-request.json'),
    };
  }
}

/** What the fake IMDS would serve this instance, read in process. */
function imdsOf(cloud: FakeCloud, instanceId: string): InstanceMetadata {
  const self = () => {
    const i = cloud.instance(instanceId);
    if (i === undefined) throw new Error(`${instanceId} is unknown to the fake cloud`);
    return i;
  };
  return {
    identity: async () => {
      const i = self();
      return { instanceId, region: cloud.region, availabilityZone: i.availabilityZone, localIpv4: i.privateIp, instanceType: i.instanceType, lifecycle: i.lifecycle };
    },
    targetLifecycleState: async () => targetLifecycleState(self()),
    spotInterruption: async () => undefined,
    rebalanceRecommendation: async () => undefined,
    scheduledEvents: async () => [],
  };
}
