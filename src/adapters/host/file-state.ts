import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateFile } from '../../ports/state-file.js';

/**
 * A record as a small JSON file in the state directory (systemd's StateDirectory=), written whole to
 * a temporary file and renamed, so a reader never sees half a record.
 */
export class FileState<T> implements StateFile<T> {
  constructor(
    private readonly dir: string,
    private readonly name: string,
  ) {}

  async read(): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, this.name), 'utf8')) as T;
    } catch {
      // Missing (first boot) or unreadable: either way the next decisions must not trust it.
      return undefined;
    }
  }

  async write(value: T): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temporary = join(this.dir, `${this.name}.tmp`);
    await writeFile(temporary, `${JSON.stringify(value)}\n`, { mode: 0o600 });
    await rename(temporary, join(this.dir, this.name));
  }
}
