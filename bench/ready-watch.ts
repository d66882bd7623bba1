import { setTimeout as sleep } from 'node:timers/promises';
import type { SwarmMember } from './swarm-shape.js';

interface NodeRow {
  Description?: { Hostname?: string };
  Status?: { State?: string };
}

/**
 * Samples the node lists of every manager engine that answers and records when each hostname was
 * first seen Ready: the "node Ready" instant of the boot benchmarks, the same for swarmnode and for
 * joins by hand. Resolution is the sampling period (plus one list call).
 */
export class ReadyWatch {
  private readonly readyAt = new Map<string, number>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    members: () => readonly SwarmMember[],
    private readonly everyMs = 100,
    private readonly deadline = Date.now() + 600_000,
  ) {
    this.loop = this.sample(members);
  }

  /** Epoch ms at which the node of that hostname was first seen Ready. */
  at(hostname: string): number | undefined {
    return this.readyAt.get(hostname);
  }

  get count(): number {
    return this.readyAt.size;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async sample(members: () => readonly SwarmMember[]): Promise<void> {
    while (this.running && Date.now() < this.deadline) {
      const managers = members().filter((m) => m.role === 'manager');
      const lists = await Promise.all(managers.map((m) => m.docker.listNodes().catch(() => [] as NodeRow[])));
      const now = Date.now();
      for (const node of lists.flat() as NodeRow[]) {
        const host = node.Description?.Hostname;
        if (host !== undefined && node.Status?.State === 'ready' && !this.readyAt.has(host)) this.readyAt.set(host, now);
      }
      await sleep(this.everyMs);
    }
  }
}
