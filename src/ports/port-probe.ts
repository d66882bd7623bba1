/** Whether anything answers on a TCP port: the swarm-exists probe on 2377. */
export interface PortProbe {
  isOpen(host: string, port: number, timeoutMs: number): Promise<boolean>;
}
