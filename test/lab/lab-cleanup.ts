import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cgroupDirs, cgroupPids, removeCgroups, thawAll } from './cgroups.js';
import { LabOperationError } from './lab-errors.js';
import { deleteNamespace, linkExists, namespaces } from './lab-network.js';
import type { LabPaths } from './lab-paths.js';
import { mountsUnder, unmountAllUnder } from './mounts.js';
import { listProcesses, namespaceId, signalPids, waitGone, type ProcessInfo } from './processes.js';
import { mustRun } from './run-command.js';
import { claimsOf, releaseSubnets } from './subnet-claim.js';

/**
 * What belongs to a lab is found from the system itself, not from memory, so a lab whose process
 * died can still be cleaned up: its namespaces by name prefix, its processes by namespace, command
 * line (the lab dir) or cgroup, its mounts by path.
 */
async function labNamespaces(paths: LabPaths): Promise<string[]> {
  return (await namespaces()).filter((ns) => ns.startsWith(`${paths.tag}-`));
}

function labProcesses(paths: LabPaths, nsNames: readonly string[]): ProcessInfo[] {
  const nsIds = new Set(nsNames.map(namespaceId).filter((id): id is string => id !== undefined));
  const inCgroup = new Set(cgroupPids(paths.cgroupParent));
  return listProcesses().filter((p) => nsIds.has(p.netns) || p.cmdline.includes(`${paths.dir}/`) || inCgroup.has(p.pid));
}

/** Removes everything of the lab, hard: SIGKILL, unmount, delete namespaces, cgroups, dirs, claims. */
export async function cleanupLab(paths: LabPaths): Promise<void> {
  const nsNames = await labNamespaces(paths);
  // A hibernated instance's processes are frozen: thawed, they die at once and release their mounts.
  thawAll(paths.cgroupParent);
  for (let round = 0; round < 3; round++) {
    const pids = labProcesses(paths, nsNames).map((p) => p.pid);
    if (pids.length === 0) break;
    signalPids(pids, 'SIGKILL');
    await waitGone(pids, 5_000);
  }
  await unmountAllUnder(paths.dir);
  // Deleting the bridge namespace would destroy this link too, but the kernel does that
  // asynchronously: delete it first so `down` can verify at once.
  if (await linkExists(paths.hostLink)) await mustRun('ip', ['link', 'del', paths.hostLink]);
  for (const ns of nsNames) await deleteNamespace(ns);
  removeCgroups(paths.cgroupParent);
  if (existsSync(paths.dir) && mountsUnder(paths.dir).length === 0) await rm(paths.dir, { recursive: true, force: true });
  await releaseSubnets(paths.name);
  const left = await leftoversOf(paths);
  if (left.length > 0) {
    throw new LabOperationError(`lab '${paths.name}' left: ${left.join('; ')}`, 'remove them by hand, then run `npm run lab -- down` again');
  }
}

/** Anything a lab of this name left behind, one line each (empty when it is fully gone). */
export async function leftoversOf(paths: LabPaths): Promise<string[]> {
  const nsNames = await labNamespaces(paths);
  const left: string[] = [];
  for (const ns of nsNames) left.push(`namespace ${ns}`);
  for (const p of labProcesses(paths, nsNames)) left.push(`process ${p.pid} (${p.cmdline.slice(0, 120)})`);
  for (const point of mountsUnder(paths.dir)) left.push(`mount ${point}`);
  if (await linkExists(paths.hostLink)) left.push(`link ${paths.hostLink}`);
  for (const dir of cgroupDirs(paths.cgroupParent)) left.push(`cgroup ${dir}`);
  if (existsSync(paths.dir)) left.push(`dir ${paths.dir}`);
  for (const k of await claimsOf(paths.name)) left.push(`subnet claim 10.213.${k}.0/24`);
  return left;
}
