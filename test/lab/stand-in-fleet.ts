import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeCloud } from './fake-aws/fake-cloud.js';
import { startFakeAws, type FakeAws } from './fake-aws/server.js';
import { StandInHost } from './stand-in-host.js';

/** Loopback addresses for stand-in instances: bindable on `lo` without any namespace (127.77.0.0/16). */
const STAND_IN_NET = '127.77';
/** 127.77.0.x is skipped: .0 and .255 endings are avoided in every /24 to keep addresses plain. */
const HOSTS_PER_OCTET = 253;

export interface StandInFleetOptions {
  cluster?: string;
  /** SWARMNODE_* settings of every agent (the env file's). */
  env?: Record<string, string>;
  /** Instances listed in a third cluster group with no engine and no agent (fleet size without the cost). */
  virtualWorkers?: number;
}

/**
 * A fake AWS on the loopback, a manager and a worker group (launching hook, tagged as the stack
 * tags them), and the StandInHost that turns each launch into an engine stand-in running
 * swarmnode's real boot in this process. No root, no namespaces: unit tests and the
 * 1,000-instance benchmark use it alike.
 */
export class StandInFleet {
  private constructor(
    readonly cloud: FakeCloud,
    readonly server: FakeAws,
    readonly host: StandInHost,
    readonly cluster: string,
    private readonly dir: string,
  ) {}

  static async start(opts: StandInFleetOptions = {}): Promise<StandInFleet> {
    const cluster = opts.cluster ?? 'standin';
    let next = 0;
    let nextVirtual = 1;
    const cloud = new FakeCloud({
      allocateIp: ({ virtual }) => {
        if (virtual) return `198.18.${nextVirtual >> 8}.${nextVirtual++ & 255}`;
        const n = next++;
        return `${STAND_IN_NET}.${1 + Math.floor(n / HOSTS_PER_OCTET)}.${1 + (n % HOSTS_PER_OCTET)}`;
      },
    });
    const server = await startFakeAws(cloud, { host: '127.0.0.1', port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'swarmnode-standin-'));
    const env = { SWARMNODE_MANAGER_KMS_KEY: `alias/${cluster}-manager`, SWARMNODE_WORKER_KMS_KEY: `alias/${cluster}-worker`, ...opts.env };
    const host = new StandInHost({ cloud, awsUrl: server.awsUrl, cluster, dir, env });
    cloud.setHost(host);
    cloud.createKey({ alias: `alias/${cluster}-manager` });
    cloud.createKey({ alias: `alias/${cluster}-worker` });
    const hooks = [
      { name: 'swarmnode-launching', transition: 'launching' as const, heartbeatTimeoutSec: 3_600, defaultResult: 'ABANDON' as const },
      { name: 'swarmnode-terminating', transition: 'terminating' as const, heartbeatTimeoutSec: 300, defaultResult: 'CONTINUE' as const },
    ];
    const tags = (role: string) => ({ 'swarmnode:cluster': cluster, 'swarmnode:role': role, 'swarmnode:launching-hook': 'swarmnode-launching' });
    await cloud.createGroup({ name: `${cluster}-managers`, tags: tags('manager'), desired: 0, max: 10_000, hooks });
    await cloud.createGroup({ name: `${cluster}-workers`, tags: tags('worker'), desired: 0, max: 10_000, hooks });
    if ((opts.virtualWorkers ?? 0) > 0) {
      await cloud.createGroup({ name: `${cluster}-fleet`, tags: tags('worker'), desired: opts.virtualWorkers ?? 0, max: opts.virtualWorkers, virtual: true });
    }
    return new StandInFleet(cloud, server, host, cluster, dir);
  }

  /** Sets both groups' desired capacity at once (a stack creation, a scale-out); resolves with the new instances' ids. */
  async scale(managers: number, workers: number): Promise<string[]> {
    const launched = await Promise.all([this.cloud.setDesiredCapacity(`${this.cluster}-managers`, managers), this.cloud.setDesiredCapacity(`${this.cluster}-workers`, workers)]);
    return launched.flat();
  }

  /** AWS calls each instance made so far. */
  callsOf(instanceId: string): number {
    return Object.values(this.cloud.calls().byCaller[instanceId] ?? {}).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    this.cloud.close();
    await this.host.close();
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
