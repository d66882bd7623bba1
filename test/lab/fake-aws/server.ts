import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsRequestListener } from './aws-endpoint.js';
import type { FakeCloud } from './fake-cloud.js';
import { imdsRequestListener } from './imds.js';

export interface FakeAwsOptions {
  host?: string;
  port?: number;
  /** IMDS listens on its own port (AWS_EC2_METADATA_SERVICE_ENDPOINT); same host unless given. */
  imdsHost?: string;
  imdsPort?: number;
}

export interface FakeAws {
  awsUrl: string;
  imdsUrl: string;
  close(): Promise<void>;
}

/** Puts the wire protocols and IMDS in front of `cloud`. close() stops the servers, not the cloud. */
export async function startFakeAws(cloud: FakeCloud, opts: FakeAwsOptions = {}): Promise<FakeAws> {
  const host = opts.host ?? '127.0.0.1';
  const aws = await listen(createServer(awsRequestListener(cloud)), host, opts.port ?? 0);
  const imds = await listen(createServer(imdsRequestListener(cloud)), opts.imdsHost ?? host, opts.imdsPort ?? 0).catch(async (err: unknown) => {
    await stop(aws);
    throw err;
  });
  return {
    awsUrl: urlOf(aws),
    imdsUrl: urlOf(imds),
    close: async () => {
      await Promise.all([stop(aws), stop(imds)]);
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // SDK clients keep connections alive; without this close() would wait for them to idle out.
    server.closeAllConnections();
  });
}

function urlOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
