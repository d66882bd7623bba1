import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/**
 * Field names that may hold a secret anywhere in a log object. Secrets are Secret instances and
 * print as "[redacted]" anyway; this is the second fence for a plain string that slips through.
 */
export const REDACTED_PATHS = [
  'token', '*.token', 'joinToken', '*.joinToken', 'key', '*.key', 'unlockKey', '*.unlockKey',
  'secret', '*.secret', 'password', '*.password', 'SecretAccessKey', '*.SecretAccessKey',
  'Token', '*.Token', 'JoinToken', '*.JoinToken', 'UnlockKey', '*.UnlockKey', 'Plaintext', '*.Plaintext',
];

/**
 * JSON lines on stdout (journald keeps them), written synchronously so the last lines before an
 * exit are never lost.
 */
export function createLogger(level: string, command: string, destination: number = 1): Logger {
  return pino(
    {
      level,
      base: { cmd: command },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: destination, sync: true }),
  );
}
