import { connect } from 'node:net';
import type { PortProbe } from '../../ports/port-probe.js';

/** A TCP connect that completes means something listens: enough to know a swarm manager is there. */
export const tcpPortProbe: PortProbe = {
  isOpen: (host, port, timeoutMs) =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (open: boolean) => {
        socket.destroy();
        resolve(open);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    }),
};
