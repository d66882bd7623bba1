import { runCommand, type CommandResult } from './run-command.js';

/** The namespaces that make a process "inside" an instance: its network and its hostname. */
export interface InstanceNamespaces {
  utsFile: string;
  netns: string;
}

/**
 * nsenter, not `ip netns exec`: the latter remounts /sys, which breaks dockerd ("Devices cgroup
 * isn't mounted") and changes what a process in the instance sees compared with EC2.
 */
export function inInstance(ns: InstanceNamespaces, argv: readonly string[]): { cmd: string; args: string[] } {
  return { cmd: 'nsenter', args: [`--uts=${ns.utsFile}`, `--net=/run/netns/${ns.netns}`, '--', ...argv] };
}

export function runInInstance(
  ns: InstanceNamespaces,
  argv: readonly string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<CommandResult> {
  const { cmd, args } = inInstance(ns, argv);
  return runCommand(cmd, args, { env, timeoutMs });
}
