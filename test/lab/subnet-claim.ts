import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabUnavailableError } from './lab-errors.js';
import { SUBNET_CLAIMS } from './lab-paths.js';
import { runCommand } from './run-command.js';

/** The first three octets of the /24 the lab gets for subnet k. */
export function subnetPrefix(k: number): string {
  return `10.213.${k}`;
}

/**
 * Claims a free 10.213.k.0/24 for the lab. The claim is a file created with O_EXCL, so two labs
 * starting at once can never both win the same k; a /24 the host already routes is skipped.
 */
export async function claimSubnet(labName: string): Promise<number> {
  await mkdir(SUBNET_CLAIMS, { recursive: true });
  const routes = (await runCommand('ip', ['-4', 'route', 'show'])).stdout;
  for (let k = 1; k < 255; k++) {
    if (routes.includes(`${subnetPrefix(k)}.`)) continue;
    try {
      await writeFile(join(SUBNET_CLAIMS, String(k)), labName, { flag: 'wx' });
      return k;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new LabUnavailableError('no free 10.213.k.0/24 subnet for a new lab', 'run `npm run lab -- down --name <name>` for labs you no longer need');
}

/** The subnets claimed by this lab (normally one; more only if a crash left a stale claim). */
export async function claimsOf(labName: string): Promise<number[]> {
  const entries = await readdir(SUBNET_CLAIMS).catch(() => [] as string[]);
  const mine: number[] = [];
  for (const entry of entries) {
    const owner = await readFile(join(SUBNET_CLAIMS, entry), 'utf8').catch(() => '');
    if (owner === labName) mine.push(Number(entry));
  }
  return mine;
}

export async function releaseSubnets(labName: string): Promise<void> {
  for (const k of await claimsOf(labName)) await rm(join(SUBNET_CLAIMS, String(k)), { force: true });
}
