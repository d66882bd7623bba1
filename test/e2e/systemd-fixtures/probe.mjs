// Run by swarmnode-stub.sh inside the shipped units' sandbox: can the Node runtime that swarmnode
// is built on do what swarmnode needs (Docker socket, IPv4 and IPv6, name lookups, a listener, its
// state directory, compiled code), and what does the sandbox refuse? Results go to argv[2] as JSON.
import dns from 'node:dns';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';

const results = {};
async function check(name, probe) {
  try {
    results[name] = { ok: true, value: await probe() };
  } catch (error) {
    results[name] = { ok: false, error: error.code ?? error.message };
  }
}

function listenAndConnect(listenHost, connectHost) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.end('pong'));
    server.on('error', reject);
    server.listen({ host: listenHost, port: 0 }, () => {
      const { port } = server.address();
      const client = net.connect({ host: connectHost, port }, () => undefined);
      let reply = '';
      client.on('data', (data) => (reply += data));
      client.on('end', () => server.close(() => resolve(reply)));
      client.on('error', (error) => server.close(() => reject(error)));
    });
  });
}

await check('status', () =>
  Object.fromEntries(
    readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .filter((line) => /^(CapEff|CapBnd|NoNewPrivs|Seccomp):/.test(line))
      .map((line) => line.split(/:\s+/)),
  ),
);
await check('dockerPing', () =>
  new Promise((resolve, reject) => {
    const req = http.get({ socketPath: '/run/docker.sock', path: '/_ping', timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (data) => (body += data));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  }),
);
// AI_ADDRCONFIG makes glibc ask the kernel for the host's addresses over netlink, which the
// sandbox refuses: the lookup must still work (Node's net.connect asks for it by default).
await check('lookupAddrconfig', async () => (await dns.promises.lookup('localhost', { hints: dns.ADDRCONFIG })).address);
await check('tcp4', () => listenAndConnect('0.0.0.0', '127.0.0.1'));
await check('tcp6', () => listenAndConnect('::', '::1'));
await check('connectByName', () => listenAndConnect('127.0.0.1', 'localhost'));
await check('writeStateDirectory', () => {
  writeFileSync(`${process.env.STATE_DIRECTORY}/probe-written`, 'x');
  return (statSync(process.env.STATE_DIRECTORY).mode & 0o777).toString(8);
});
await check('writeEtc', () => {
  writeFileSync('/etc/swarmnode/probe-written', 'x');
  return 'written';
});
await check('readRootHome', () => readdirSync('/root'));
await check('networkInterfaces', () => Object.keys(os.networkInterfaces()));
await check('compiledCode', () => {
  let x = 0;
  for (let i = 0; i < 20_000_000; i++) x = (x + i * i) % 1_000_003;
  return x;
});
// ProcSubset=pid: only the process directories of /proc; Node's start-up and the checks above did without the rest.
await check('procMeminfo', () => readFileSync('/proc/meminfo', 'utf8').length);
writeFileSync(process.argv[2], `${JSON.stringify(results, null, 2)}\n`);
