import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { FakeCloud } from './fake-cloud.js';
import { startFakeAws, type FakeAws } from './server.js';
import type { InstanceHost } from './types.js';

export interface Fixture {
  cloud: FakeCloud;
  server: FakeAws;
  asg: AutoScalingClient;
  ec2: EC2Client;
  kms: KMSClient;
  ssm: SSMClient;
  close(): Promise<void>;
}

/**
 * A cloud and its endpoint, with real SDK v3 clients signed as 'AKIDTEST'. Retries are off
 * (maxAttempts 1) so a test sees the exception class of the first answer. Instances get
 * 127.0.0.N addresses from `firstOctet` (10) on, reachable from the test by binding that local
 * address; with `firstOctet: 1` the first instance launched is this process itself, so the SDK's
 * MetadataService (which cannot pick its source address) reads that instance's IMDS.
 */
export async function startFixture(opts: { firstOctet?: number } = {}): Promise<Fixture> {
  let next = opts.firstOctet ?? 10;
  const cloud = new FakeCloud({ allocateIp: () => `127.0.0.${next++}`, imdsTestHeader: true });
  const server = await startFakeAws(cloud);
  const config = {
    region: 'eu-west-1',
    endpoint: server.awsUrl,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'lab-secret' },
    maxAttempts: 1,
  };
  const clients = { asg: new AutoScalingClient(config), ec2: new EC2Client(config), kms: new KMSClient(config), ssm: new SSMClient(config) };
  return {
    cloud,
    server,
    ...clients,
    close: async () => {
      for (const client of Object.values(clients)) client.destroy();
      cloud.close();
      await server.close();
    },
  };
}

/** An InstanceHost that records what the cloud asked of it, in order, e.g. `stop i-0... hibernate`. */
export function recordingHost(): InstanceHost & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    launch: async (spec) => {
      calls.push(`launch ${spec.instanceId} ${spec.asgName} ${spec.lifecycle}`);
    },
    terminate: async (id) => {
      calls.push(`terminate ${id}`);
    },
    stop: async (id, how) => {
      calls.push(`stop ${id} ${how}`);
    },
    start: async (id) => {
      calls.push(`start ${id}`);
    },
    reboot: async (id) => {
      calls.push(`reboot ${id}`);
    },
    partition: async (id, cut) => {
      calls.push(`${cut ? 'partition' : 'heal'} ${id}`);
    },
  };
}
