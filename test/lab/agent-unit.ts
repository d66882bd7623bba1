import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SYSTEM_PATH } from './run-command.js';
import { timeSpanMs, UnitFile } from './unit-file.js';

/**
 * How swarmnode runs inside a lab instance, read from the artifacts that ship: the ExecStart lines of
 * systemd/swarmnode-boot.service (oneshot `boot`) and systemd/swarmnode.service (`watch`,
 * Restart=on-failure), how watch depends on boot, their StateDirectory=, and the env file that
 * cloud-init/user-data.yaml writes. Every lab run thus tests the shipped files, not a second copy
 * of them.
 */
export interface AgentUnit {
  boot: string[];
  watch: string[];
  /**
   * When watch starts, from swarmnode.service's dependencies on swarmnode-boot.service (it must be
   * ordered After= it): only once boot succeeded if it Requires= (or BindsTo=, Requisite=) boot,
   * once boot has exited whatever its result if it only Wants= it (or is only ordered after it).
   */
  watchStartsAfter: 'boot-succeeded' | 'boot-exited';
  /**
   * Wants= or Requires= on boot: systemd pulls boot into every start of watch, automatic restarts
   * included, so a boot that failed runs again before watch restarts.
   */
  watchPullsInBoot: boolean;
  /** Restart=on-failure, bounded like systemd's StartLimitBurst so a crash loop ends. */
  watchRestart: { delayMs: number; maxRestarts: number };
  /** StateDirectory= of each unit: systemd creates it with that mode and sets $STATE_DIRECTORY. */
  stateDirectory: { boot?: StateDirectory; watch?: StateDirectory };
}

export interface StateDirectory {
  /** Below /var/lib on a host; the lab puts it in the instance's directory. */
  name: string;
  mode: number;
}

export const BOOT_UNIT = 'swarmnode-boot.service';
export const WATCH_UNIT = 'swarmnode.service';
/** Where the AMI installs the binary; the lab runs its own build in its place. */
export const SHIPPED_BINARY = '/usr/local/bin/swarmnode';
export const SHIPPED_ENV_FILE = '/etc/swarmnode/swarmnode.env';
/** The instance's stand-in for /var/lib/<StateDirectory>, below its directory. */
export const LAB_STATE_DIR = 'state';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function execStart(unit: UnitFile, binary: string): string[] {
  const [program, ...args] = unit.required('Service', 'ExecStart').split(/\s+/);
  if (program !== SHIPPED_BINARY) throw new Error(`${unit.name} starts ${program}, the lab expects ${SHIPPED_BINARY}`);
  return [binary, ...args];
}

/** StateDirectory= and StateDirectoryMode= (systemd's default mode is 0755). */
export function stateDirectoryOf(unit: UnitFile): StateDirectory | undefined {
  const names = unit.list('Service', 'StateDirectory');
  if (names.length === 0) return undefined;
  if (names.length > 1) throw new Error(`${unit.name} declares several StateDirectory= (${names.join(' ')}); the lab provides one`);
  const mode = unit.value('Service', 'StateDirectoryMode') ?? '0755';
  if (!/^[0-7]{3,4}$/.test(mode)) throw new Error(`${unit.name}: StateDirectoryMode=${mode} is not an octal mode`);
  return { name: names[0]!, mode: parseInt(mode, 8) };
}

/** How a watch unit follows the boot unit, as systemd would start them. */
export function watchDependency(watch: UnitFile): Pick<AgentUnit, 'watchStartsAfter' | 'watchPullsInBoot'> {
  const on = (key: string) => watch.list('Unit', key).includes(BOOT_UNIT);
  if (!on('After')) {
    throw new Error(`${watch.name} is not ordered After=${BOOT_UNIT}: the lab only starts watch once boot has exited`);
  }
  const needsSuccess = on('Requires') || on('BindsTo') || on('Requisite');
  return {
    watchStartsAfter: needsSuccess ? 'boot-succeeded' : 'boot-exited',
    watchPullsInBoot: on('Requires') || on('BindsTo') || on('Wants'),
  };
}

export function agentUnit(binary: string): AgentUnit {
  const boot = UnitFile.shipped(BOOT_UNIT);
  const watch = UnitFile.shipped(WATCH_UNIT);
  if (watch.required('Service', 'Restart') !== 'on-failure') {
    throw new Error(`${watch.name} is no longer Restart=on-failure: update the lab supervisor to match`);
  }
  return {
    boot: execStart(boot, binary),
    watch: execStart(watch, binary),
    ...watchDependency(watch),
    watchRestart: {
      delayMs: timeSpanMs(watch.required('Service', 'RestartSec')),
      maxRestarts: Number(watch.required('Unit', 'StartLimitBurst')),
    },
    stateDirectory: { boot: stateDirectoryOf(boot), watch: stateDirectoryOf(watch) },
  };
}

/**
 * What systemd does for a unit with StateDirectory= before each start: create the directory (the
 * lab's is <instance dir>/state), enforce its mode, and name it in $STATE_DIRECTORY.
 */
export function prepareStateDirectory(instanceDir: string, state: StateDirectory | undefined): Record<string, string> {
  if (state === undefined) return {};
  const path = join(instanceDir, LAB_STATE_DIR);
  mkdirSync(path, { recursive: true, mode: state.mode });
  chmodSync(path, state.mode);
  return { STATE_DIRECTORY: path };
}

export interface LabEndpoints {
  cluster: string;
  awsUrl: string;
  imdsUrl: string;
  dockerHost: string;
}

/** The body cloud-init writes to the env file, with its Fn::Sub placeholders still in it. */
export function shippedEnvFileTemplate(): string {
  const userData = parse(readFileSync(`${repoRoot}cloud-init/user-data.yaml`, 'utf8')) as {
    write_files?: { path: string; content: string }[];
  };
  const file = userData.write_files?.find((entry) => entry.path === SHIPPED_ENV_FILE);
  if (!file) throw new Error(`cloud-init/user-data.yaml does not write ${SHIPPED_ENV_FILE}`);
  return file.content;
}

/**
 * The env file cloud-init writes on EC2, its placeholders filled with the lab's cluster and keys,
 * plus the standard variables that point swarmnode at the lab.
 */
export function envFileVars(lab: LabEndpoints, extra: Record<string, string> = {}): Record<string, string> {
  const placeholders: Record<string, string> = {
    Cluster: lab.cluster,
    ManagerKmsKey: `alias/${lab.cluster}-manager`,
    WorkerKmsKey: `alias/${lab.cluster}-worker`,
    // Empty: backups off (an empty variable counts as unset); a lab turns them on with its env.
    BackupBucket: '',
  };
  const body = shippedEnvFileTemplate().replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = placeholders[name];
    if (value === undefined) throw new Error(`cloud-init/user-data.yaml uses \${${name}}, which the lab does not fill`);
    return value;
  });
  return {
    ...parseEnvFile(body),
    ...extra,
    AWS_ENDPOINT_URL: lab.awsUrl,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: lab.imdsUrl,
    DOCKER_HOST: lab.dockerHost,
  };
}

export function writeEnvFile(path: string, vars: Record<string, string>): void {
  const lines = Object.entries(vars).map(([key, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key) || /[\n\r]/.test(value)) {
      throw new Error(`env file entry ${key} cannot be written as one KEY=value line`);
    }
    return `${key}=${value}`;
  });
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}

/** KEY=value lines as systemd's EnvironmentFile= reads them (comments and blank lines skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) vars[trimmed.slice(0, eq)] = trimmed.slice(eq + 1).replace(/^"(.*)"$/, '$1');
  }
  return vars;
}

export function readEnvFile(path: string): Record<string, string> {
  return parseEnvFile(readFileSync(path, 'utf8'));
}

/** A service's whole environment: its env file plus what systemd itself provides. */
export function agentEnvironment(envFile: string, home: string): Record<string, string> {
  return { PATH: SYSTEM_PATH, HOME: home, ...readEnvFile(envFile) };
}
