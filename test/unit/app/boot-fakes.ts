import { RecordingMetrics } from '../recording-metrics.js';
import type { ObserverDeps } from '../../../src/app/boot/observer.js';
import type { Services } from '../../../src/app/shared/compose.js';
import { FakeSwarmObjects } from './backup-fakes.js';
import type { Role } from '../../../src/config/config.js';
import type { BootRecord, DrainRequestRecord } from '../../../src/ports/boot-record.js';
import type { FleetInstance } from '../../../src/ports/fleet.js';
import type { InstanceIdentity } from '../../../src/ports/instance-metadata.js';
import type { PortProbe } from '../../../src/ports/port-probe.js';
import { instance } from '../core/watch-fixtures.js';
import { FakeClock, FakeEngine, FakeFleet, FakeSecrets } from './watch-fakes.js';

export const SELF: InstanceIdentity = { instanceId: 'i-self', region: 'eu-west-1', availabilityZone: 'eu-west-1a', localIpv4: '10.0.0.5', instanceType: 't3.small', lifecycle: 'on-demand' };

/** An instance of the manager ASG, running, with its private IP. */
export function managerInstance(instanceId: string, privateIp: string, over: Partial<FleetInstance> = {}): FleetInstance {
  return instance(instanceId, { asgName: 'lab-managers', role: 'manager', privateIp, ...over });
}

/** TCP 2377 answers on the hosts listed in `open`; every probe is counted. */
export class FakeProbe implements PortProbe {
  open = new Set<string>();
  probed: string[] = [];
  async isOpen(host: string): Promise<boolean> {
    this.probed.push(host);
    return this.open.has(host);
  }
}

/**
 * The world a booting instance sees, all in memory: its engine not in a swarm, its own ASG (in
 * Pending:Wait, with a launching hook), the cluster's instances, SSM and the 2377 probe.
 */
export class BootWorld {
  readonly clock = new FakeClock();
  readonly engine = new FakeEngine();
  readonly fleet = new FakeFleet(this.clock);
  readonly secrets = new FakeSecrets();
  readonly probe = new FakeProbe();
  /** IMDS autoscaling/target-lifecycle-state. */
  target: string | undefined = 'InService';
  /** The state directory's boot record. */
  bootRecord: BootRecord | undefined;
  drainRequest: DrainRequestRecord | undefined;
  /** How many times boot asked for its AWS clients. */
  awsClientsMade = 0;

  constructor(role: Role) {
    this.engine.info_ = { localNodeState: 'inactive', nodeId: '', clusterId: undefined, controlAvailable: false, remoteManagers: [], error: '', nodeAddr: '' };
    const asgName = role === 'manager' ? 'lab-managers' : 'lab-workers';
    this.fleet.own = { asgName, lifecycleState: 'Pending:Wait', role };
    this.fleet.launchHook = { name: 'lab-launching', asgName, transition: 'launching', heartbeatTimeoutMs: 300_000, defaultResult: 'ABANDON' };
    this.fleet.viewResult = { groups: [], instances: [managerInstance(SELF.instanceId, SELF.localIpv4, role === 'worker' ? { asgName, role } : {})] };
  }

  /** Adds running manager peers to the cluster's ASGs. */
  withManagers(...peers: FleetInstance[]): this {
    this.fleet.viewResult.instances.push(...peers);
    return this;
  }

  observerDeps(): ObserverDeps {
    return { engine: this.engine.asEngine(), fleet: this.fleet.asFleet(), secrets: this.secrets.asStore(), probe: this.probe, clock: this.clock, recovery: { auto: true, afterMs: 120_000 } };
  }

  services(): Services {
    return {
      ...this.observerDeps(),
      objects: new FakeSwarmObjects(),
      metadata: {
        identity: async () => SELF,
        targetLifecycleState: async () => this.target,
        spotInterruption: async () => undefined,
        rebalanceRecommendation: async () => undefined,
        scheduledEvents: async () => [],
      },
      bootRecords: { read: async () => this.bootRecord, write: async (record) => void (this.bootRecord = record) },
      drainRequests: { read: async () => this.drainRequest, write: async (record) => void (this.drainRequest = record) },
      metrics: new RecordingMetrics(),
      serveMetrics: () => Promise.reject(new Error('boot serves no metrics')),
      cloud: () => {
        this.awsClientsMade++;
        return { fleet: this.fleet.asFleet(), secrets: this.secrets.asStore(), backups: undefined };
      },
    };
  }
}
