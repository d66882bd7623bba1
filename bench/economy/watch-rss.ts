import { readdirSync, readFileSync, statSync } from 'node:fs';

/**
 * Resident memory (VmRSS, kB) of the `swarmnode watch` process running in a network namespace:
 * the process whose argv is `<binary> watch` and whose network namespace is the instance's.
 * undefined when none runs there.
 */
export function watchRssKb(binary: string, netnsPath: string): number | undefined {
  const wanted = statSync(netnsPath).ino;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] !== binary || argv[1] !== 'watch') continue;
      if (statSync(`/proc/${entry}/ns/net`).ino !== wanted) continue;
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      return rss === null ? undefined : Number(rss[1]);
    } catch {
      // The process ended while it was read: not the one.
    }
  }
  return undefined;
}
