import type { Config, ListenAddress } from './config.js';
import { ROLES } from './config.js';
import { parseDuration } from './duration.js';

/** A raw value either parses or says what was expected instead. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

/** Values already resolved when a default is computed: entries are resolved in table order. */
export type Resolved = Partial<Config>;

export interface ConfigEntry<K extends keyof Config = keyof Config> {
  /** Environment variable, as written in /etc/swarmnode/swarmnode.env. */
  key: `SWARMNODE_${string}`;
  /** Command-line flag, winning over the variable. */
  flag: `--${string}`;
  field: K;
  /** The default as documented (README table and --help). */
  defaultText: string;
  description: string;
  /** Boolean entries also accept `--flag` alone and `--no-flag`. */
  boolean: boolean;
  parse(raw: string): Parsed<Config[K]>;
  /** undefined: the key is required. `env` is the environment, for defaults systemd provides. */
  defaultValue: ((resolved: Resolved, env: Readonly<Record<string, string | undefined>>) => Config[K]) | undefined;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const CLUSTER_PATTERN = /^[a-z0-9-]{1,40}$/;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const expect = <T>(expected: string): Parsed<T> => ({ ok: false, expected });

function duration(raw: string): Parsed<number> {
  const ms = parseDuration(raw);
  return ms !== undefined && ms > 0 ? ok(ms) : expect('a positive duration such as 500ms, 90s, 5m or 1h');
}

function boolean(raw: string): Parsed<boolean> {
  const text = raw.trim().toLowerCase();
  if (text === 'true') return ok(true);
  if (text === 'false') return ok(false);
  return expect('true or false');
}

function count(min: number): (raw: string) => Parsed<number> {
  return (raw) => (/^\d+$/.test(raw.trim()) && Number(raw) >= min ? ok(Number(raw)) : expect(`a whole number, at least ${min}`));
}

/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose buckets). */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function nonEmpty(raw: string): Parsed<string> {
  return raw.trim() === '' ? expect('a non-empty value') : ok(raw.trim());
}

/** `host:port`, `:port` (every interface) or `off`; the port 1-65535. */
function listenAddress(raw: string): Parsed<ListenAddress | undefined> {
  if (raw.trim() === 'off') return ok(undefined);
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(raw.trim());
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65_535) return expect('host:port, :port (every interface) or off, such as 0.0.0.0:9470');
  return ok({ host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port });
}

function entry<K extends keyof Config>(spec: Omit<ConfigEntry<K>, 'boolean'> & { boolean?: boolean }): ConfigEntry<K> {
  return { ...spec, boolean: spec.boolean ?? false };
}

/**
 * Every configuration key, in resolution order (a default may use keys listed before it).
 * loadConfig, `--help` and the README's configuration table all read this one table.
 */
export const CONFIG_SCHEMA: readonly ConfigEntry[] = [
  entry({
    key: 'SWARMNODE_CLUSTER',
    flag: '--cluster',
    field: 'cluster',
    defaultText: 'required',
    description: 'Cluster name: the `swarmnode:cluster` tag of its ASGs',
    parse: (raw) => (CLUSTER_PATTERN.test(raw) ? ok(raw) : expect('1 to 40 characters from a-z, 0-9 and -')),
    defaultValue: undefined,
  }),
  entry({
    key: 'SWARMNODE_ROLE',
    flag: '--role',
    field: 'role',
    defaultText: 'the `swarmnode:role` tag of the instance\'s ASG',
    description: 'Role of this instance: `manager` or `worker`',
    parse: (raw) => (ROLES.includes(raw as never) ? ok(raw as Config['role']) : expect('manager or worker')),
    defaultValue: () => undefined,
  }),
  entry({
    key: 'SWARMNODE_SSM_PREFIX',
    flag: '--ssm-prefix',
    field: 'ssmPrefix',
    defaultText: '`/swarmnode/<cluster>`',
    description: 'SSM parameter path holding the tokens, `cluster` and the init lock',
    parse: (raw) =>
      /^(\/[A-Za-z0-9_.-]+)+$/.test(raw) ? ok(raw) : expect('an absolute SSM path such as /swarmnode/prod, without a trailing /'),
    defaultValue: (resolved) => `/swarmnode/${resolved.cluster}`,
  }),
  entry({
    key: 'SWARMNODE_MANAGER_KMS_KEY',
    flag: '--manager-kms-key',
    field: 'managerKmsKey',
    defaultText: '`alias/swarmnode-<cluster>`',
    description: 'KMS key (id, ARN or alias) encrypting the manager join token and the unlock key',
    parse: nonEmpty,
    defaultValue: (resolved) => `alias/swarmnode-${resolved.cluster}`,
  }),
  entry({
    key: 'SWARMNODE_WORKER_KMS_KEY',
    flag: '--worker-kms-key',
    field: 'workerKmsKey',
    defaultText: 'the manager key',
    description: 'KMS key (id, ARN or alias) encrypting the worker join token',
    parse: nonEmpty,
    defaultValue: (resolved) => resolved.managerKmsKey as string,
  }),
  entry({
    key: 'SWARMNODE_JOIN_TIMEOUT',
    flag: '--join-timeout',
    field: 'joinTimeoutMs',
    defaultText: '10m',
    description: 'How long boot keeps trying before it gives up (exit 75)',
    parse: duration,
    defaultValue: () => 600_000,
  }),
  entry({
    key: 'SWARMNODE_REPORT_UNHEALTHY',
    flag: '--report-unhealthy',
    field: 'reportUnhealthy',
    defaultText: 'true',
    description: 'On give-up, `SetInstanceHealth Unhealthy` so the ASG replaces the instance',
    boolean: true,
    parse: boolean,
    defaultValue: () => true,
  }),
  entry({
    key: 'SWARMNODE_DRAIN_TIMEOUT',
    flag: '--drain-timeout',
    field: 'drainTimeoutMs',
    defaultText: '10m',
    description: 'Longest wait for tasks to leave a terminating node (also bounded by the hook)',
    parse: duration,
    defaultValue: () => 600_000,
  }),
  entry({
    key: 'SWARMNODE_REAP_AFTER',
    flag: '--reap-after',
    field: 'reapAfterMs',
    defaultText: '10m',
    description: 'How long a node stays Down, its instance gone, before it is removed',
    parse: duration,
    defaultValue: () => 600_000,
  }),
  entry({
    key: 'SWARMNODE_POLL_INTERVAL',
    flag: '--poll-interval',
    field: 'pollIntervalMs',
    defaultText: '5s',
    description: 'Period of the lifecycle watcher and the reconciler',
    parse: duration,
    defaultValue: () => 5_000,
  }),
  entry({
    key: 'SWARMNODE_EVENT_LEAD',
    flag: '--event-lead',
    field: 'eventLeadMs',
    defaultText: '10m',
    description: 'How long before a scheduled EC2 event (reboot, stop, retirement) the node is drained; it is re-activated once the event is past',
    parse: duration,
    defaultValue: () => 600_000,
  }),
  entry({
    key: 'SWARMNODE_AUTO_RECOVER',
    flag: '--auto-recover',
    field: 'autoRecover',
    defaultText: 'true',
    description: 'Recover lost quorum (`--force-new-cluster` on one survivor) and start a new generation after every manager is lost, by itself; `false`: `status` and the log only say what it would do',
    boolean: true,
    parse: boolean,
    defaultValue: () => true,
  }),
  entry({
    key: 'SWARMNODE_RECOVER_AFTER',
    flag: '--recover-after',
    field: 'recoverAfterMs',
    defaultText: '2m',
    description: 'How long every missing manager must have been terminated (per EC2) before recovery acts',
    parse: duration,
    defaultValue: () => 120_000,
  }),
  entry({
    key: 'SWARMNODE_METRICS_ADDR',
    flag: '--metrics-addr',
    field: 'metricsAddr',
    defaultText: '`:9470`',
    description: 'Where `watch` serves Prometheus metrics (`GET /metrics`): `host:port`, `:port` for every interface, or `off`',
    parse: listenAddress,
    defaultValue: () => ({ host: '', port: 9470 }),
  }),
  entry({
    key: 'SWARMNODE_BACKUP_BUCKET',
    flag: '--backup-bucket',
    field: 'backupBucket',
    defaultText: 'none: backups off',
    description: 'S3 bucket for backups of the swarm\'s desired state (services, networks, configs, secret names, node labels), written by the leader; versioned, SSE-KMS, public access blocked',
    parse: (raw) => (BUCKET_PATTERN.test(raw) && !raw.includes('..') ? ok(raw) : expect('an S3 bucket name: 3 to 63 characters from a-z, 0-9, . and -')),
    defaultValue: () => undefined,
  }),
  entry({
    key: 'SWARMNODE_BACKUP_PREFIX',
    flag: '--backup-prefix',
    field: 'backupPrefix',
    defaultText: '`swarmnode/`',
    description: 'Key prefix of the backups in the bucket; each lands at `<prefix><cluster>/<generation>/<time>-<swarm id>-<hash8>.json`',
    parse: (raw) => (/^([A-Za-z0-9_.-]+\/)+$/.test(raw) ? ok(raw) : expect('path segments from A-Z, a-z, 0-9, _ . - each ending in /, such as swarmnode/')),
    defaultValue: () => 'swarmnode/',
  }),
  entry({
    key: 'SWARMNODE_BACKUP_KMS_KEY',
    flag: '--backup-kms-key',
    field: 'backupKmsKey',
    defaultText: 'the manager key',
    description: 'KMS key (id, ARN or alias) S3 encrypts the backups with (SSE-KMS)',
    parse: nonEmpty,
    defaultValue: (resolved) => resolved.managerKmsKey as string,
  }),
  entry({
    key: 'SWARMNODE_BACKUP_MIN_INTERVAL',
    flag: '--backup-min-interval',
    field: 'backupMinIntervalMs',
    defaultText: '1m',
    description: 'The leader checks the swarm for changes this often, and never writes two backups closer together',
    parse: duration,
    defaultValue: () => 60_000,
  }),
  entry({
    key: 'SWARMNODE_BACKUP_MAX_AGE',
    flag: '--backup-max-age',
    field: 'backupMaxAgeMs',
    defaultText: '24h',
    description: 'A backup is written at least this often, even when nothing changed',
    parse: duration,
    defaultValue: () => 86_400_000,
  }),
  entry({
    key: 'SWARMNODE_BACKUP_KEEP',
    flag: '--backup-keep',
    field: 'backupKeep',
    defaultText: '30',
    description: 'How many of the newest backups are kept; older ones go, except those SWARMNODE_BACKUP_KEEP_DAYS keeps and the newest of every swarm the cluster had',
    parse: count(1),
    defaultValue: () => 30,
  }),
  entry({
    key: 'SWARMNODE_BACKUP_KEEP_DAYS',
    flag: '--backup-keep-days',
    field: 'backupKeepDays',
    defaultText: '14',
    description: 'Beyond the newest, the newest backup of each of this many last days (UTC) is kept',
    parse: count(0),
    defaultValue: () => 14,
  }),
  entry({
    key: 'SWARMNODE_STATE_DIR',
    flag: '--state-dir',
    field: 'stateDir',
    defaultText: '`$STATE_DIRECTORY` (systemd `StateDirectory=`), else `/var/lib/swarmnode`',
    description: 'Where boot leaves its record (ids, outcome, timings; nothing secret) for reboots and watch',
    parse: (raw) => (raw.startsWith('/') ? ok(raw.replace(/\/+$/, '') || '/') : expect('an absolute path')),
    // systemd may list several directories, separated by colons: the first is ours.
    defaultValue: (_, env) => env.STATE_DIRECTORY?.split(':')[0] || '/var/lib/swarmnode',
  }),
  entry({
    key: 'SWARMNODE_LOG_LEVEL',
    flag: '--log-level',
    field: 'logLevel',
    defaultText: 'info',
    description: `pino log level: ${LOG_LEVELS.join(', ')}`,
    parse: (raw) => (LOG_LEVELS.includes(raw) ? ok(raw) : expect(`one of ${LOG_LEVELS.join(', ')}`)),
    defaultValue: () => 'info',
  }),
];
