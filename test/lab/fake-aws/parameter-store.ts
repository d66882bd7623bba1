import { AwsError } from './aws-error.js';
import type { FakeKms } from './kms.js';

export type ParameterType = 'String' | 'SecureString';

export interface StoredParameter {
  readonly name: string;
  readonly arn: string;
  readonly type: ParameterType;
  /** As stored: base64 KMS ciphertext for a SecureString, the plain value otherwise. */
  readonly value: string;
  readonly version: number;
  readonly lastModifiedDate: Date;
  readonly keyId: string | undefined;
}

export interface PutRequest {
  name: string;
  value: string;
  type?: ParameterType;
  keyId?: string;
  overwrite?: boolean;
}

const DEFAULT_SSM_KEY = 'alias/aws/ssm';
const NAME_PATTERN = /^[a-zA-Z0-9_.\-/]{1,2048}$/;
const MAX_LEVELS = 15;

/**
 * SSM parameters. Every method is synchronous on purpose: the server is single-threaded, so the
 * check-and-set of PutParameter Overwrite=false is atomic, which init-lock depends on.
 */
export class ParameterStore {
  private readonly params = new Map<string, StoredParameter>();

  constructor(
    private readonly kms: FakeKms,
    private readonly arnPrefix: string,
    private readonly now: () => number,
  ) {}

  get(name: string): StoredParameter | undefined {
    return this.params.get(name);
  }

  require(name: string): StoredParameter {
    const p = this.params.get(name);
    if (p === undefined) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
    return p;
  }

  put(req: PutRequest): StoredParameter {
    validateName(req.name);
    const existing = this.params.get(req.name);
    if (existing !== undefined && req.overwrite !== true) {
      throw new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    }
    const type = req.type ?? existing?.type;
    if (type === undefined) throw new AwsError('ValidationException', 'A parameter type is required when you create a parameter.');
    if (type !== 'String' && type !== 'SecureString') {
      throw new AwsError('UnsupportedParameterType', `Parameter type ${String(type)} is not supported by the lab.`);
    }
    if (req.value.length === 0) throw new AwsError('ValidationException', 'Parameter value must not be empty.');
    const arn = this.arn(req.name);
    const keyId = type === 'SecureString' ? (req.keyId ?? this.defaultKey()) : undefined;
    const value = keyId === undefined ? req.value : this.seal(keyId, arn, req.value);
    const stored: StoredParameter = {
      name: req.name,
      arn,
      type,
      value,
      version: (existing?.version ?? 0) + 1,
      lastModifiedDate: new Date(this.now()),
      keyId,
    };
    this.params.set(req.name, stored);
    return stored;
  }

  delete(name: string): void {
    this.require(name);
    this.params.delete(name);
  }

  /** Parameters under `path` (a directory: direct children unless recursive), sorted by name. */
  byPath(path: string, recursive: boolean): StoredParameter[] {
    validateName(path);
    // "Hierarchies start with a forward slash (/) ... can have a maximum of 15 levels."
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html
    if (!path.startsWith('/')) throw new AwsError('ValidationException', `The path ${path} is invalid: a hierarchy must begin with a forward slash (/).`);
    if (path.split('/').filter((level) => level !== '').length > MAX_LEVELS) {
      throw new AwsError('ValidationException', `The path ${path} is invalid: a hierarchy can have a maximum of ${MAX_LEVELS} levels.`);
    }
    const dir = path.endsWith('/') ? path : `${path}/`;
    return [...this.params.values()]
      .filter((p) => p.name.startsWith(dir) && (recursive || !p.name.slice(dir.length).includes('/')))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The value a reader sees: plain for String, decrypted or ciphertext for SecureString. */
  reveal(p: StoredParameter, withDecryption: boolean): string {
    if (p.type !== 'SecureString' || !withDecryption) return p.value;
    return this.kms.decrypt(Buffer.from(p.value, 'base64'), { PARAMETER_ARN: p.arn }).plaintext.toString();
  }

  arn(name: string): string {
    return `${this.arnPrefix}${name.startsWith('/') ? name : `/${name}`}`;
  }

  private seal(keyId: string, arn: string, value: string): string {
    try {
      return this.kms.encrypt(keyId, Buffer.from(value), { PARAMETER_ARN: arn }).blob.toString('base64');
    } catch (err) {
      if (err instanceof AwsError && err.code === 'NotFoundException') throw new AwsError('InvalidKeyId', err.message);
      throw err;
    }
  }

  private defaultKey(): string {
    if (!this.kms.hasAlias(DEFAULT_SSM_KEY)) this.kms.createKey({ alias: DEFAULT_SSM_KEY });
    return DEFAULT_SSM_KEY;
  }
}

function validateName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new AwsError('ValidationException', `Parameter name ${JSON.stringify(name)} is invalid: use letters, digits and _.-/ only.`);
  }
}
