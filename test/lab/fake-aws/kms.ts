import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from './aws-error.js';

interface KmsKey {
  keyId: string;
  arn: string;
  material: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
// The blob starts with a marker and carries the key id, so Decrypt without KeyId works as on AWS.
const MAGIC = Buffer.from('LABKMS1');

/** Keys and AES-256-GCM envelope encryption, with the EncryptionContext bound as AAD. */
export class FakeKms {
  private readonly keys = new Map<string, KmsKey>();
  private readonly aliases = new Map<string, string>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  createKey(opts: { alias?: string } = {}): { keyId: string; arn: string } {
    if (opts.alias !== undefined && !opts.alias.startsWith('alias/')) {
      throw new AwsError('ValidationException', `Alias must start with the prefix "alias/": ${opts.alias}`);
    }
    if (opts.alias !== undefined && this.aliases.has(opts.alias)) {
      throw new AwsError('AlreadyExistsException', `An alias with the name ${this.aliasArn(opts.alias)} already exists`);
    }
    const keyId = randomUUID();
    const arn = `arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}`;
    this.keys.set(keyId, { keyId, arn, material: randomBytes(32) });
    if (opts.alias !== undefined) this.aliases.set(opts.alias, keyId);
    return { keyId, arn };
  }

  hasAlias(alias: string): boolean {
    return this.aliases.has(alias);
  }

  /** Accepts a key id, key ARN, alias name or alias ARN, like every KMS API. */
  resolve(keyRef: string): KmsKey {
    const arnPrefix = `arn:aws:kms:${this.region}:${this.accountId}:`;
    const ref = keyRef.startsWith(arnPrefix) ? keyRef.slice(arnPrefix.length) : keyRef;
    const keyId = ref.startsWith('alias/') ? this.aliases.get(ref) : ref.startsWith('key/') ? ref.slice(4) : ref;
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (key === undefined) {
      const what = ref.startsWith('alias/') ? `Alias ${this.aliasArn(ref)}` : `Key '${keyRef}'`;
      throw new AwsError('NotFoundException', `${what} is not found.`);
    }
    return key;
  }

  encrypt(keyRef: string, plaintext: Buffer, context: Record<string, string> = {}): { keyArn: string; blob: Buffer } {
    if (plaintext.length < 1 || plaintext.length > 4096) {
      throw new AwsError('ValidationException', 'Plaintext must be between 1 and 4096 bytes');
    }
    const key = this.resolve(keyRef);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(canonicalContext(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const keyIdBytes = Buffer.from(key.keyId);
    const blob = Buffer.concat([MAGIC, Buffer.from([keyIdBytes.length]), keyIdBytes, iv, cipher.getAuthTag(), body]);
    return { keyArn: key.arn, blob };
  }

  decrypt(blob: Buffer, context: Record<string, string> = {}, keyRef?: string): { keyArn: string; plaintext: Buffer } {
    const parsed = parseBlob(blob);
    const key = this.keys.get(parsed.keyId);
    if (key === undefined) throw invalidCiphertext();
    if (keyRef !== undefined && this.resolve(keyRef).keyId !== key.keyId) {
      throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    }
    const decipher = createDecipheriv('aes-256-gcm', key.material, parsed.iv);
    decipher.setAAD(canonicalContext(context));
    decipher.setAuthTag(parsed.tag);
    try {
      return { keyArn: key.arn, plaintext: Buffer.concat([decipher.update(parsed.body), decipher.final()]) };
    } catch {
      // GCM authentication failed: a wrong context and a tampered blob look the same, as on AWS.
      throw invalidCiphertext();
    }
  }

  private aliasArn(alias: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${alias}`;
  }
}

/** Order-independent, so {a,b} and {b,a} authenticate the same; any other difference fails. */
function canonicalContext(context: Record<string, string>): Buffer {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries));
}

function parseBlob(blob: Buffer): { keyId: string; iv: Buffer; tag: Buffer; body: Buffer } {
  if (blob.length < MAGIC.length + 1 || !blob.subarray(0, MAGIC.length).equals(MAGIC)) throw invalidCiphertext();
  const idLength = blob[MAGIC.length] ?? 0;
  const idStart = MAGIC.length + 1;
  const ivStart = idStart + idLength;
  const tagStart = ivStart + IV_BYTES;
  const bodyStart = tagStart + TAG_BYTES;
  if (blob.length < bodyStart) throw invalidCiphertext();
  return {
    keyId: blob.subarray(idStart, ivStart).toString(),
    iv: blob.subarray(ivStart, tagStart),
    tag: blob.subarray(tagStart, bodyStart),
    body: blob.subarray(bodyStart),
  };
}

function invalidCiphertext(): AwsError {
  return new AwsError('InvalidCiphertextException', '');
}
