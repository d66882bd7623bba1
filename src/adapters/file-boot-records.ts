import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootRecord, BootRecordStore } from '../ports/boot-record.js';

const FILE = 'boot.json';

/**
 * The boot record as a small JSON file in the state directory (systemd's StateDirectory=), written
 * whole to a temporary file and renamed, so a reader never sees half a record.
 */
export class FileBootRecords implements BootRecordStore {
  constructor(private readonly dir: string) {}

  async read(): Promise<BootRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, FILE), 'utf8')) as BootRecord;
    } catch {
      // Missing (first boot) or unreadable: either way the next decisions must not trust it.
      return undefined;
    }
  }

  async write(record: BootRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temporary = join(this.dir, `${FILE}.tmp`);
    await writeFile(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    await rename(temporary, join(this.dir, FILE));
  }
}
