import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_SCHEMA } from '../../../src/config/config-schema.js';
import { BOOT_UNIT, stateDirectoryOf, WATCH_UNIT, watchDependency } from '../../lab/agent-unit.js';
import { timeSpanMs, UnitFile } from '../../lab/unit-file.js';

const boot = UnitFile.shipped(BOOT_UNIT);
const watch = UnitFile.shipped(WATCH_UNIT);
const units = [boot, watch];
const MAX_EXPOSURE = 3.0;

/** A unit installed on this machine (Debian 12 with cloud-init, as the AMI). */
const installed = (name: string) => UnitFile.parse(name, readFileSync(`/lib/systemd/system/${name}`, 'utf8'));
const defaultMs = (key: string) => CONFIG_SCHEMA.find((entry) => entry.key === key)!.defaultValue!({ cluster: 'c' } as never, {}) as number;

/** What systemd gives a service with DefaultDependencies=yes, which the units restore by hand. */
const serviceDefaults = {
  Requires: ['sysinit.target'],
  After: ['sysinit.target', 'basic.target'],
  Conflicts: ['shutdown.target'],
  Before: ['shutdown.target'],
};

/** Settings that differ between the two units by design; everything else is the shared sandbox. */
const perUnit = new Set([
  'Type', 'RemainAfterExit', 'ExecStart', 'TimeoutStartSec', 'Restart', 'RestartSec', 'KillMode', 'KillSignal', 'TimeoutStopSec',
]);

describe('systemd units: ordering', () => {
  it('starts watch once boot has exited, whatever its result: Wants= and After=, never Requires=', () => {
    expect(watch.list('Unit', 'Wants')).toContain(BOOT_UNIT);
    expect(watch.list('Unit', 'After')).toContain(BOOT_UNIT);
    for (const key of ['Requires', 'BindsTo', 'Requisite', 'PartOf']) expect(watch.list('Unit', key), key).not.toContain(BOOT_UNIT);
    expect(watchDependency(watch)).toEqual({ watchStartsAfter: 'boot-exited', watchPullsInBoot: true });
  });

  it.each(units.map((unit) => [unit.name, unit] as const))('%s does not hold up multi-user.target, yet keeps what a service needs', (_, unit) => {
    expect(unit.list('Install', 'WantedBy')).toEqual(['multi-user.target']);
    // With the default dependencies, multi-user.target would order itself After= the unit.
    expect(unit.value('Unit', 'DefaultDependencies')).toBe('no');
    for (const [key, targets] of Object.entries(serviceDefaults)) expect(unit.list('Unit', key), key).toEqual(expect.arrayContaining(targets));
    for (const key of ['Before', 'RequiredBy']) {
      expect(unit.list('Unit', key).filter((name) => /^(multi-user|cloud-init|graphical)\.target$|^cloud-/.test(name)), key).toEqual([]);
    }
  });

  it('orders boot after the network, the engine and the cloud-init stage that writes its env file', () => {
    expect(boot.list('Unit', 'Wants')).toEqual(expect.arrayContaining(['network-online.target', 'docker.service']));
    expect(boot.list('Unit', 'After')).toEqual(
      expect.arrayContaining(['network-online.target', 'docker.service', 'cloud-init.service', 'cloud-init-network.service']),
    );
    expect(boot.value('Service', 'EnvironmentFile')).toBe('/etc/swarmnode/swarmnode.env');
    // Ordered after any of these, boot would wait for multi-user.target again (cloud-final is After= it).
    const waitsForBootEnd = ['cloud-config.service', 'cloud-final.service', 'cloud-init.target', 'multi-user.target', 'graphical.target'];
    for (const unit of units) expect(unit.list('Unit', 'After').filter((name) => waitsForBootEnd.includes(name)), unit.name).toEqual([]);
  });

  it('orders watch after the engine and the network, so at shutdown it stops first and can still leave', () => {
    expect(watch.list('Unit', 'After')).toEqual(expect.arrayContaining(['docker.service', 'network-online.target']));
    expect(watch.list('Unit', 'Wants')).toEqual(expect.arrayContaining(['docker.service', 'network-online.target']));
  });

  it('relies only on what Debian\'s cloud-init units do: write_files in the init stage, before sysinit.target; cloud-final after multi-user.target', () => {
    const cloudCfg = parse(readFileSync('/etc/cloud/cloud.cfg', 'utf8')) as Record<string, unknown[]>;
    const moduleNames = (stage: string) => (cloudCfg[stage] ?? []).map((entry) => String(Array.isArray(entry) ? entry[0] : entry).replace(/_/g, '-'));
    expect(moduleNames('cloud_init_modules')).toContain('write-files');
    const init = installed('cloud-init.service');
    expect(init.value('Service', 'ExecStart')).toBe('/usr/bin/cloud-init init');
    expect(init.list('Unit', 'Before')).toContain('sysinit.target');
    expect(installed('cloud-final.service').list('Unit', 'After')).toContain('multi-user.target');
    expect(installed('cloud-init.target').list('Unit', 'After')).toContain('multi-user.target');
  });

  it('outlasts the join timeout when starting boot, and the drain when stopping watch', () => {
    expect(timeSpanMs(boot.required('Service', 'TimeoutStartSec'))).toBeGreaterThan(defaultMs('SWARMNODE_JOIN_TIMEOUT'));
    expect(timeSpanMs(watch.required('Service', 'TimeoutStopSec'))).toBeGreaterThan(defaultMs('SWARMNODE_DRAIN_TIMEOUT'));
    expect(boot.value('Service', 'Type')).toBe('oneshot');
    expect(boot.value('Service', 'RemainAfterExit')).toBe('yes');
    expect(watch.value('Service', 'Restart')).toBe('on-failure');
    expect(Number(watch.required('Unit', 'StartLimitBurst'))).toBeGreaterThan(0);
  });

  it('is started by the AMI only: user-data writes the env file and starts nothing', () => {
    const userData = parse(readFileSync('cloud-init/user-data.yaml', 'utf8')) as Record<string, any>;
    expect(Object.keys(userData).sort()).toEqual(['write_files']);
    const envFile = userData.write_files.find((file: { path: string }) => file.path === '/etc/swarmnode/swarmnode.env');
    expect(envFile.defer ?? false).toBe(false);
    const install = readFileSync('packer/scripts/install.sh', 'utf8').split('\n');
    expect(install).toContain(`systemctl enable ${BOOT_UNIT} ${WATCH_UNIT}`);
    expect(install.filter((line) => /systemctl (start|restart)|--now/.test(line))).toEqual([]);
  });
});

describe('systemd units: sandbox', () => {
  it.each(units.map((unit) => [unit.name, unit] as const))('%s keeps a private state directory', (_, unit) => {
    expect(stateDirectoryOf(unit)).toEqual({ name: 'swarmnode', mode: 0o700 });
    expect(unit.value('Service', 'UMask')).toBe('0077');
  });

  it('is the same in both units', () => {
    const sandbox = (unit: UnitFile) =>
      Object.fromEntries(unit.keys('Service').filter((key) => !perUnit.has(key)).map((key) => [key, unit.assignments('Service', key)]));
    expect(sandbox(watch)).toEqual(sandbox(boot));
  });

  it.each(units.map((unit) => [unit.name, unit] as const))('%s: no capabilities, read-only system, and what Node needs', (_, unit) => {
    const value = (key: string) => unit.value('Service', key);
    expect(unit.assignments('Service', 'CapabilityBoundingSet')).toEqual(['']);
    expect(value('NoNewPrivileges')).toBe('yes');
    expect(value('ProtectSystem')).toBe('strict');
    expect(value('User') ?? 'root').toBe('root');
    // V8 writes the machine code it compiles, then runs it.
    expect(value('MemoryDenyWriteExecute')).toBeUndefined();
    // The Docker socket, IMDS and AWS over IPv4 and IPv6.
    expect(unit.list('Service', 'RestrictAddressFamilies').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_UNIX']);
    expect(unit.assignments('Service', 'SystemCallFilter')[0]).toBe('@system-service');
    // Without it, a call outside the filter kills the process instead of failing.
    expect(value('SystemCallErrorNumber')).toBe('EPERM');
    for (const key of ['ReadOnlyPaths', 'InaccessiblePaths', 'PrivateNetwork', 'IPAddressDeny']) expect(value(key), key).toBeUndefined();
  });

  it.each(units.map((unit) => [unit.name] as const))(`systemd-analyze security rates %s at most ${MAX_EXPOSURE}`, (name) => {
    const report = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', name], { encoding: 'utf8' });
    const score = /Overall exposure level for [^:]+: (\d+\.\d)\b/.exec(report)?.[1];
    expect(score, report).toBeDefined();
    expect(Number(score)).toBeLessThanOrEqual(MAX_EXPOSURE);
  });
});
