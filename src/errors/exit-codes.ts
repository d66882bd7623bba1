/** sysexits(3) codes, as DESIGN.md fixes them for every command. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 64,
  unavailable: 69,
  tempFail: 75,
  noPerm: 77,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
