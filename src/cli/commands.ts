import type { CommandSpec } from './command.js';

const JSON_OPTION = { name: 'json', description: 'print the report as JSON' };

/** Every `swarmnode <command>`: main, `--help` and the README read this table. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  boot: {
    summary: 'make this instance a healthy swarm member, complete its launching hook, then exit',
    options: [],
    reports: false,
    load: () => import('../app/boot/command.js'),
  },
  plan: {
    summary: 'show what boot would do here and why (facts gathered, decision), changing nothing',
    options: [JSON_OPTION],
    reports: true,
    load: () => import('../app/boot/plan-command.js'),
  },
  health: {
    summary: 'exit 0 when this node is a healthy swarm member, 1 otherwise (the `docker node ls` check)',
    options: [JSON_OPTION],
    reports: true,
    load: () => import('../app/health/command.js'),
  },
  watch: {
    summary: 'the daemon: drain this node on scale-in (lifecycle hook) and, on the leader manager, reconcile the swarm with the ASGs',
    options: [],
    reports: false,
    load: () => import('../app/watch/command.js'),
  },
  republish: {
    summary: 'on a manager: publish the swarm\'s current join tokens (and unlock key) to SSM again, the safe fix for a token that cannot be read',
    options: [],
    reports: true,
    load: () => import('../app/republish/command.js'),
  },
  backup: {
    summary: 'on a manager: write a backup of the swarm\'s desired state to S3 now (SWARMNODE_BACKUP_BUCKET); --list shows the history',
    options: [{ name: 'list', description: 'list the cluster\'s backups, newest first, instead of writing one' }, JSON_OPTION],
    reports: true,
    load: () => import('../app/backup/command.js'),
  },
  restore: {
    summary: 'on a manager: recreate the networks, configs, node labels and services of a backup (the newest of an earlier swarm, or --from KEY), leaving what exists alone; exit 1 while a service waits for a secret',
    options: [
      { name: 'from', value: 'KEY', description: 'restore this backup (a key `backup --list` shows), this swarm\'s own included' },
      { name: 'dry-run', description: 'print what would be created and skipped, change nothing' },
      JSON_OPTION,
    ],
    reports: true,
    load: () => import('../app/backup/restore-command.js'),
  },
  status: {
    summary: 'the fleet at a glance (AZ x role) and the ASG instances and swarm nodes side by side, with drift and quorum (run on a manager; exit 1 when quorum is lost)',
    options: [JSON_OPTION, { name: 'watch', description: 'redraw the tables in place every poll interval until Ctrl-C' }],
    reports: true,
    load: () => import('../app/status/command.js'),
  },
};
