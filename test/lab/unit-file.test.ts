import { describe, expect, it } from 'vitest';
import { stateDirectoryOf, watchDependency } from './agent-unit.js';
import { timeSpanMs, UnitFile } from './unit-file.js';

const unit = (text: string) => UnitFile.parse('test.service', text);

describe('UnitFile', () => {
  it('reads settings by section, skipping comments, joining continuation lines', () => {
    const file = unit(['# Wants=ignored', '[Unit]', '; After=ignored', 'After=a.service \\', '  b.service', '[Service]', 'ExecStart=/bin/x run'].join('\n'));
    expect(file.list('Unit', 'After')).toEqual(['a.service', 'b.service']);
    expect(file.list('Unit', 'Wants')).toEqual([]);
    expect(file.value('Service', 'ExecStart')).toBe('/bin/x run');
    expect(file.value('Unit', 'ExecStart')).toBeUndefined();
  });

  it('lets later assignments win, accumulates lists and empties them on an empty assignment', () => {
    const file = unit(['[Unit]', 'After=a', 'After=b c', '[Service]', 'RestartSec=1s', 'RestartSec=5s', 'CapabilityBoundingSet=CAP_X', 'CapabilityBoundingSet='].join('\n'));
    expect(file.list('Unit', 'After')).toEqual(['a', 'b', 'c']);
    expect(file.value('Service', 'RestartSec')).toBe('5s');
    expect(file.list('Service', 'CapabilityBoundingSet')).toEqual([]);
    expect(file.assignments('Service', 'CapabilityBoundingSet')).toEqual(['CAP_X', '']);
  });

  it('names the unit and key of a missing setting, and rejects a setting outside a section', () => {
    expect(() => unit('[Service]\nType=exec').required('Service', 'ExecStart')).toThrow(/test\.service has no ExecStart= in \[Service\]/);
    expect(() => unit('Type=exec')).toThrow(/not a setting of a section/);
  });

  it('reads the time spans the units use', () => {
    expect([timeSpanMs('500ms'), timeSpanMs('5s'), timeSpanMs('10min'), timeSpanMs('1h'), timeSpanMs('90')]).toEqual([500, 5_000, 600_000, 3_600_000, 90_000]);
    expect(() => timeSpanMs('1d 2h')).toThrow(/not one the lab understands/);
  });
});

describe('how the lab plays the units', () => {
  const watchWith = (lines: string[]) => unit(['[Unit]', ...lines].join('\n'));

  it('starts watch after any boot when it Wants= boot, after a successful one only when it Requires= it', () => {
    expect(watchDependency(watchWith(['Wants=swarmnode-boot.service', 'After=swarmnode-boot.service']))).toEqual({
      watchStartsAfter: 'boot-exited',
      watchPullsInBoot: true,
    });
    expect(watchDependency(watchWith(['Requires=swarmnode-boot.service', 'After=swarmnode-boot.service']))).toEqual({
      watchStartsAfter: 'boot-succeeded',
      watchPullsInBoot: true,
    });
    expect(watchDependency(watchWith(['After=swarmnode-boot.service docker.service']))).toEqual({
      watchStartsAfter: 'boot-exited',
      watchPullsInBoot: false,
    });
  });

  it('refuses a watch unit that is not ordered after boot', () => {
    expect(() => watchDependency(watchWith(['Wants=swarmnode-boot.service']))).toThrow(/not ordered After=swarmnode-boot\.service/);
  });

  it('provides a state directory with the mode the unit asks for, 0755 as systemd by default', () => {
    expect(stateDirectoryOf(unit('[Service]\nStateDirectory=swarmnode\nStateDirectoryMode=0700'))).toEqual({ name: 'swarmnode', mode: 0o700 });
    expect(stateDirectoryOf(unit('[Service]\nStateDirectory=swarmnode'))).toEqual({ name: 'swarmnode', mode: 0o755 });
    expect(stateDirectoryOf(unit('[Service]\nType=exec'))).toBeUndefined();
    expect(() => stateDirectoryOf(unit('[Service]\nStateDirectory=a b'))).toThrow(/several StateDirectory=/);
  });
});
