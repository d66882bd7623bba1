/**
 * swarmnode logs JSON lines (pino); anything else in the log (a runtime crash trace) is kept as
 * `{ raw }` so a test sees it rather than losing it.
 */
export function parseAgentLog(text: string): object[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null ? parsed : { raw: line };
      } catch {
        return { raw: line };
      }
    });
}
