import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SYSTEM_PATH } from './run-command.js';

/**
 * How swarmnode runs inside a lab instance, read from the artifacts that ship: the ExecStart lines of
 * systemd/swarmnode-boot.service (oneshot `boot`) and systemd/swarmnode.service (`watch`,
 * Restart=on-failure), and the env file that cloud-init/user-data.yaml writes. Every lab run thus
 * tests the shipped files, not a second copy of them.
 */
export interface AgentUnit {
  boot: string[];
  watch: string[];
  /** Restart=on-failure, bounded like systemd's StartLimitBurst so a crash loop ends. */
  watchRestart: { delayMs: number; maxRestarts: number };
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Where the AMI installs the binary; the lab runs its own build in its place. */
export const SHIPPED_BINARY = '/usr/local/bin/swarmnode';
export const SHIPPED_ENV_FILE = '/etc/swarmnode/swarmnode.env';

/** The [Service]/[Unit] settings of a shipped unit file (later assignments win, as in systemd). */
export function unitSettings(unit: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of readFileSync(`${repoRoot}systemd/${unit}`, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) settings.set(match[1]!, match[2]!);
  }
  return settings;
}

function required(settings: Map<string, string>, unit: string, key: string): string {
  const value = settings.get(key);
  if (value === undefined) throw new Error(`systemd/${unit} has no ${key}=`);
  return value;
}

/** systemd time spans as the shipped units use them: 500ms, 5s, 10min, 1h (bare numbers are seconds). */
function timeSpanMs(value: string): number {
  const match = /^(\d+)(ms|s|min|h)?$/.exec(value);
  if (!match) throw new Error(`time span ${value} is not one the lab understands`);
  const unitMs: Record<string, number> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000 };
  return Number(match[1]) * unitMs[match[2] ?? 's']!;
}

function execStart(unit: string, binary: string): string[] {
  const [program, ...args] = required(unitSettings(unit), unit, 'ExecStart').split(/\s+/);
  if (program !== SHIPPED_BINARY) throw new Error(`systemd/${unit} starts ${program}, the lab expects ${SHIPPED_BINARY}`);
  return [binary, ...args];
}

export function agentUnit(binary: string): AgentUnit {
  const watchUnit = 'swarmnode.service';
  const watch = unitSettings(watchUnit);
  if (required(watch, watchUnit, 'Restart') !== 'on-failure') {
    throw new Error(`systemd/${watchUnit} is no longer Restart=on-failure: update the lab supervisor to match`);
  }
  return {
    boot: execStart('swarmnode-boot.service', binary),
    watch: execStart(watchUnit, binary),
    watchRestart: {
      delayMs: timeSpanMs(required(watch, watchUnit, 'RestartSec')),
      maxRestarts: Number(required(watch, watchUnit, 'StartLimitBurst')),
    },
  };
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
