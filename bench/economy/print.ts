import { formatTable } from '../table.js';
import type { Baseline, EconomyFigures } from './figures.js';
import type { FleetFigures } from './fleet.js';
import type { StormFigures } from './storm-figures.js';

type Cell = number | undefined;

function num(value: Cell, digits = 0): string {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);
}

/** "now (today)": the figure, and the base commit's beside it. */
function pair(now: Cell, before: Cell, digits = 0): string {
  return `${num(now, digits)} (${num(before, digits)})`;
}

function fleetRows(fleets: FleetFigures[], base: FleetFigures[] | undefined): string[][] {
  const at = (n: number): FleetFigures | undefined => base?.find((f) => f.fleet === n);
  const row = (label: string, get: (f: FleetFigures) => Cell, digits = 0): string[] => [label, ...fleets.map((f) => pair(get(f), at(f.fleet) === undefined ? undefined : get(at(f.fleet) as FleetFigures), digits))];
  return [
    row('join into the swarm: calls', (f) => f.join.calls),
    row('reboot of a healthy member: calls', (f) => f.reboot.calls),
    row('formation (5 at once): median calls', (f) => f.formation.median, 1),
    row('formation (5 at once): max calls', (f) => f.formation.max),
    row('steady state: fleet calls/min', (f) => f.steady.perMinute, 1),
  ];
}

/** Prints every measured part, each figure followed by the baseline's in parentheses. */
export function printEconomy(figures: EconomyFigures, baseline: Baseline | undefined, say: (text: string) => void): void {
  const was = baseline === undefined ? 'no baseline recorded' : `in parentheses: the same harness on ${baseline.commit.slice(0, 12)} (measured ${baseline.measuredAt.slice(0, 10)})`;
  say(`\nswarmnode economy; ${was}`);
  const fleets = figures.fleets;
  if (fleets !== undefined) {
    say(`\n${formatTable(['AWS calls, now (before)', ...fleets.map((f) => `fleet ${f.fleet}`)], fleetRows(fleets, baseline?.figures.fleets))}`);
    say(
      '  each fleet: 3 managers + 2 workers with real engines launched at once (formation), then 1 worker launched into the swarm (join),\n' +
        '  then a worker rebooted (engine restarted, agent started as the units do); the other instances are virtual workers (EC2 and\n' +
        '  Auto Scaling only, no engine, no agent). Steady state: every call of every agent counted for 60 s once nothing changes.',
    );
    const soak = fleets.find((f) => f.rss.leaderKb !== undefined && f.fleet === 50) ?? fleets[0];
    const before = baseline?.figures.fleets?.find((f) => f.fleet === soak?.fleet);
    if (soak !== undefined) {
      const mb = (kb: number | undefined): number | undefined => (kb === undefined ? undefined : kb / 1024);
      say(
        `\n${formatTable(
          [`swarmnode watch RSS (MB), fleet ${soak.fleet}`, 'now (before)'],
          [
            ['worker', pair(mb(soak.rss.workerKb), mb(before?.rss.workerKb), 1)],
            ['  of which its own (anonymous)', pair(mb(soak.rss.workerAnonKb), mb(before?.rss.workerAnonKb), 1)],
            ['leader (reconciling)', pair(mb(soak.rss.leaderKb), mb(before?.rss.leaderKb), 1)],
            ['  of which its own (anonymous)', pair(mb(soak.rss.leaderAnonKb), mb(before?.rss.leaderAnonKb), 1)],
          ],
        )}`,
      );
      say(`  RSS of the watch process after ${Math.round(soak.rss.soakSec / 60)} min of watch (before: ${before === undefined ? '-' : Math.round(before.rss.soakSec / 60)} min); the leader reconciles ${soak.fleet} instances (5 with engines).`);
      say('  The executable is dropped from the page cache before each fleet starts: its pages are read on demand, as on an instance booted from an AMI.');
    }
  }
  if (figures.storms !== undefined && figures.storms.length > 0) printStorms(figures.storms, baseline, say);
}

function stormRows(storms: StormFigures[], base: StormFigures[] | undefined): string[][] {
  const before = (s: StormFigures): StormFigures | undefined => base?.find((b) => b.kind === s.kind && b.instances === s.instances);
  const row = (label: string, get: (s: StormFigures) => Cell, digits = 0): string[] => [
    label,
    ...storms.map((s) => {
      const b = before(s);
      return pair(get(s), b === undefined ? undefined : get(b), digits);
    }),
  ];
  return [
    row('instances', (s) => s.instances),
    row('healthy', (s) => s.healthy),
    row('gave up (exit 75)', (s) => s.gaveUp),
    row('reported Unhealthy', (s) => s.reportedUnhealthy),
    row('launch -> last healthy (s)', (s) => s.lastHealthySec, 1),
    row('AWS calls', (s) => s.calls),
    row('of which throttled', (s) => s.throttled),
    row('calls per boot, median', (s) => s.callsPerBoot.median, 1),
    row('calls per boot, max', (s) => s.callsPerBoot.max),
  ];
}

/** The storms' table; "-" for the last healthy instant means not every instance became healthy within the window. */
export function printStorms(storms: StormFigures[], baseline: Baseline | undefined, say: (text: string) => void): void {
  const head = storms.map((s) => (s.kind === 'real-engines' ? `real engines, throttle x${s.throttleScale}` : `engine stand-ins, throttle x${s.throttleScale}`));
  say(`\n${formatTable(['boot storm, now (before)', ...head], stormRows(storms, baseline?.figures.storms))}`);
  for (const s of storms) {
    const throttled = Object.entries(s.throttledByApi).map(([api, n]) => `${api} ${n}`).join(', ');
    say(`  ${s.kind}: throttled by API: ${throttled || 'none'}; window ${Math.round(s.windowSec / 60)} min (boot's own deadline is 10 min)`);
  }
  say(
    '  real engines: every instance a namespace with its own dockerd, the agent run as the units run it (boot, then watch; the leader\'s\n' +
      '  reconciler\'s calls count too); engine stand-ins: test/lab/engine-stand-in.ts (not Docker: no raft, joins answer at once), the\n' +
      '  real boot code in one process per instance credentials over HTTP to the fake AWS, production SDK retry settings, IMDS in process.\n' +
      '  Throttle: token buckets per API family sized like AWS\'s defaults (test/lab/fake-aws/aws-throttle.ts) times the scale shown.',
  );
}
