import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACTED_PATHS } from '../../../src/log/logger.js';
import { Secret } from '../../../src/log/secret.js';

const VALUE = 'SWMTKN-1-supersecret';

describe('Secret', () => {
  it('prints as [redacted] every way and reveals only on request', () => {
    const secret = new Secret(VALUE);
    for (const text of [JSON.stringify({ secret }), String(secret), `${secret}`, inspect({ secret })]) expect(text).not.toContain(VALUE);
    expect(secret.reveal()).toBe(VALUE);
    expect(secret.equals(new Secret(VALUE))).toBe(true);
    expect(secret.equals(new Secret('other'))).toBe(false);
  });

  it('never reaches a log line, wrapped or as a plain field', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    log.info({ tokens: { manager: new Secret(VALUE) }, token: VALUE, nested: { unlockKey: VALUE } }, 'published');
    expect(lines.join('')).not.toContain(VALUE);
    expect(lines.join('')).toContain('[redacted]');
  });
});
