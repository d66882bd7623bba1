/** One object of the backup history, as a listing shows it. */
export interface StoredObject {
  key: string;
  /** Bytes of the document (before encryption). */
  size: number;
  lastModified: number;
}

/**
 * Where backups are kept (S3): objects are written once and never overwritten, encrypted at rest
 * under the configured KMS key.
 */
export interface BackupStore {
  /** Where the objects live, for messages: `s3://bucket`. */
  readonly location: string;
  /** Writes a new object; false (and nothing written) when the key exists already. */
  put(key: string, body: string): Promise<boolean>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Throws BackupNotFoundError when there is no such object. */
  get(key: string): Promise<string>;
  delete(key: string): Promise<void>;
}
