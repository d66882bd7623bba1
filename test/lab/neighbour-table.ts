import { readFileSync, writeFileSync } from 'node:fs';

const SYSCTL = '/proc/sys/net/ipv4/neigh/default';
/**
 * Linux keeps one IPv4 neighbour (ARP) table for all network namespaces: its limits
 * (gc_thresh1/2/3, by default 128/512/1024 entries) count the entries of every namespace together.
 * A lab of 50 instances, each talking to the managers and the managers to everyone, fills it; the
 * kernel then logs "neighbor table overflow", sends no ARP request for a new neighbour, and a
 * connection to a manager's 2377 hangs in SYN-SENT (the "lab network starved" of issue 12).
 * These sizes hold several labs of a few hundred namespaces.
 */
const WANTED = { gc_thresh1: 4_096, gc_thresh2: 16_384, gc_thresh3: 32_768 };

/** Raises the host's limits to WANTED where they are lower; never lowers them. */
export function ensureNeighbourTableRoom(): void {
  for (const [name, wanted] of Object.entries(WANTED)) {
    const path = `${SYSCTL}/${name}`;
    if (Number(readFileSync(path, 'utf8').trim()) < wanted) writeFileSync(path, String(wanted));
  }
}
