import { describe, expect, it } from 'vitest';
import { bootOutcome, bootStory } from '../../../bench/boot-log.js';

const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

const started = { time: t(0), level: 'info', cmd: 'boot', msg: 'boot starting' };
const waitDecision = { time: t(1), level: 'info', cmd: 'boot', decision: { kind: 'wait', reason: 'no token' }, msg: 'no token' };
const repeated = { time: t(2), level: 'debug', cmd: 'boot', decision: { kind: 'wait', reason: 'no token' }, msg: 'no token' };
const joined = { time: t(3), level: 'info', cmd: 'boot', action: 'join', msg: 'joined the swarm' };
const done = { time: t(4), level: 'info', cmd: 'boot', nodeId: 'n1', role: 'worker', seconds: 4, msg: 'boot done: worker n1 is a healthy member' };
const watching = { time: t(5), level: 'info', cmd: 'watch', msg: 'watch started' };
const gaveUp = { time: t(6), level: 'error', cmd: 'boot', error: 'GaveUpError', action: 'check the managers', exitCode: 75, msg: 'gave up after 2m' };

describe('bootStory', () => {
  it('keeps decisions, actions and notes of boot at info and above, in order, and nothing of watch', () => {
    const story = bootStory([started, waitDecision, repeated, joined, done, watching]);
    expect(story.map((l) => [l.kind, l.action, l.msg])).toEqual([
      ['note', undefined, 'boot starting'],
      ['decided', undefined, 'no token'],
      ['did', 'join', 'joined the swarm'],
      ['note', undefined, 'boot done: worker n1 is a healthy member'],
    ]);
    expect(story[1]?.at).toBe(Date.parse(t(1)));
  });

  it('reads the fix of the error line as a note, not as something boot did', () => {
    expect(bootStory([gaveUp])[0]).toMatchObject({ kind: 'note', action: undefined, level: 'error' });
  });

  it('keeps lines that are not JSON, such as a crash trace', () => {
    expect(bootStory([{ raw: 'Segmentation fault' }])[0]).toMatchObject({ msg: 'Segmentation fault', kind: 'note' });
  });
});

describe('bootOutcome', () => {
  it('is running until boot writes its last line', () => {
    expect(bootOutcome([])).toEqual({ state: 'running' });
    expect(bootOutcome([started, waitDecision])).toEqual({ state: 'running' });
  });

  it('is done with the node id once the "boot done" line is there, whatever watch logs after it', () => {
    expect(bootOutcome([started, joined, done, watching])).toEqual({ state: 'done', at: Date.parse(t(4)), nodeId: 'n1' });
  });

  it('is failed with the reason and fix of the error the CLI exited with', () => {
    expect(bootOutcome([started, waitDecision, gaveUp])).toEqual({ state: 'failed', at: Date.parse(t(6)), reason: 'gave up after 2m', fix: 'check the managers' });
  });

  it('is done without a node when boot decided not to join (warm pool)', () => {
    const noJoin = { time: t(1), level: 'info', cmd: 'boot', decision: 'exit-no-join', msg: 'target Warmed:Stopped: do not join' };
    expect(bootOutcome([noJoin])).toEqual({ state: 'done', at: Date.parse(t(1)), nodeId: undefined });
  });

  it('takes the latest boot only: a reboot that is still booting is running', () => {
    expect(bootOutcome([started, done, watching, { ...started, time: t(10) }])).toEqual({ state: 'running' });
  });
});
