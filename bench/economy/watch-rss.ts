import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';

/** Resident memory of a process (kB): all of it, and its own (anonymous) part; the rest is pages of files, mostly the executable's, shared. */
export interface Resident {
  rssKb: number;
  anonKb: number;
}

/**
 * Resident memory of the `swarmnode watch` process running in a network namespace: the process
 * whose argv is `<binary> watch` and whose network namespace is the instance's. undefined when
 * none runs there.
 */
export function watchResident(binary: string, netnsPath: string): Resident | undefined {
  const wanted = statSync(netnsPath).ino;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] !== binary || argv[1] !== 'watch') continue;
      if (statSync(`/proc/${entry}/ns/net`).ino !== wanted) continue;
      const rollup = readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8');
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? Number.NaN);
      return { rssKb: kb('Rss'), anonKb: kb('Anonymous') };
    } catch {
      // The process ended while it was read: not the one.
    }
  }
  return undefined;
}

/**
 * Drops the executable from the page cache, so the instances read it as an instance booted from an
 * AMI does: page by page, on demand. A binary just built or copied sits whole in the page cache,
 * and a fault then maps the whole cached folio around the page it needs: the same watch process
 * counted 15 MB more RSS here that way, none of it its own.
 */
export function evictFromPageCache(binary: string): void {
  // Pages not yet written back (a build just wrote it) are not dropped: write them first.
  execFileSync('sync', [binary]);
  execFileSync('dd', [`if=${binary}`, 'iflag=nocache', 'count=0', 'status=none']);
}
