import type { KMSClient } from '@aws-sdk/client-kms';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config, Role } from '../../config/config.js';
import { AccessDeniedError } from '../../errors/access-denied-error.js';
import { Secret } from '../../log/secret.js';
import type { ClusterRecord, LockRecord, RecordedManager, SecretStore } from '../../ports/secret-store.js';
import { formatLockValue, parseLockValue } from '../../core/boot/lock-value.js';
import { awsCall, awsErrorName } from './aws-call.js';
import { CLUSTER_TAG, ROLE_TAG } from './aws-fleet.js';
import type * as AwsSdk from './aws-sdk.js';
import type { LazyClient } from './lazy-client.js';

export type LazySsm = LazyClient<typeof AwsSdk, SSMClient>;
export type LazyKms = LazyClient<typeof AwsSdk, KMSClient>;

/** How long a successful key check stands: a boot's election, not the life of a watch. */
const KEYS_CHECK_VALID_MS = 5 * 60_000;

interface StoredParameter {
  name: string;
  value: string;
  type: string;
  modifiedAt: number;
}

/** What is kept of an SSM Parameter, as GetParameter and GetParameters both give it. */
function storedParameter(name: string, p: { Value?: string; Type?: string; LastModifiedDate?: Date }): StoredParameter {
  return { name, value: p.Value ?? '', type: p.Type ?? 'String', modifiedAt: p.LastModifiedDate?.getTime() ?? 0 };
}

/** Which key and EncryptionContext protect one secret: the context binds it to cluster and role. */
interface Sealing {
  keyId: string;
  context: Record<string, string>;
}

/**
 * The SSM layout of DESIGN.md: secrets are KMS ciphertext (base64, Type=String) bound to cluster and
 * role by the EncryptionContext, so a token copied to another cluster or role does not decrypt. A
 * SecureString holding the plain value is accepted too, to adopt a swarm made by hand.
 */
export class SsmKmsSecretStore implements SecretStore {
  #keysVerifiedAt: number | undefined;
  #getParametersDenied = false;

  constructor(
    private readonly ssm: LazySsm,
    private readonly kms: LazyKms,
    private readonly config: Pick<Config, 'cluster' | 'ssmPrefix' | 'managerKmsKey' | 'workerKmsKey'>,
  ) {}

  private path(name: string): string {
    return `${this.config.ssmPrefix}/${name}`;
  }

  private sealing(role: Role, secret?: string): Sealing {
    const context: Record<string, string> = { [CLUSTER_TAG]: this.config.cluster, [ROLE_TAG]: role };
    // The unlock key gets its own context entry so it can never be swapped in for a join token.
    if (secret) context['swarmnode:secret'] = secret;
    return { keyId: role === 'manager' ? this.config.managerKmsKey : this.config.workerKmsKey, context };
  }

  private async get(name: string, withDecryption: boolean): Promise<StoredParameter | undefined> {
    const parameter = this.path(name);
    const ssm = await this.ssm();
    try {
      const found = await awsCall({ action: 'ssm:GetParameter', parameter }, (abortSignal) =>
        ssm.client.send(new ssm.sdk.GetParameterCommand({ Name: parameter, WithDecryption: withDecryption }), { abortSignal }),
      );
      return storedParameter(parameter, found.Parameter ?? {});
    } catch (error) {
      if (awsErrorName(error) === 'ParameterNotFound') return undefined;
      throw error;
    }
  }

  /**
   * GetParameters (at most 10 names): the stored ones by name. A name is absent only when SSM lists
   * it in InvalidParameters, as ParameterNotFound says it for GetParameter; an answer that names it
   * nowhere is an error, never "absent" (absence steers a manager towards an election).
   */
  private async getMany(names: string[], withDecryption: boolean): Promise<Map<string, StoredParameter>> {
    const parameters = names.map((name) => this.path(name));
    const ssm = await this.ssm();
    const found = await awsCall({ action: 'ssm:GetParameters', parameter: parameters.join(',') }, (abortSignal) =>
      ssm.client.send(new ssm.sdk.GetParametersCommand({ Names: parameters, WithDecryption: withDecryption }), { abortSignal }),
    );
    const byName = new Map<string, StoredParameter>();
    for (const p of found.Parameters ?? []) {
      const i = parameters.indexOf(p.Name ?? '');
      if (i >= 0) byName.set(names[i] as string, storedParameter(parameters[i] as string, p));
    }
    const unanswered = names.filter((name, i) => !byName.has(name) && !(found.InvalidParameters ?? []).includes(parameters[i] as string));
    if (unanswered.length > 0) throw new Error(`SSM GetParameters answered neither value nor absence for ${unanswered.map((name) => this.path(name)).join(', ')}`);
    return byName;
  }

  /** PutParameter; false when Overwrite=false found it already there. */
  private async put(name: string, value: string, overwrite: boolean): Promise<boolean> {
    const parameter = this.path(name);
    const ssm = await this.ssm();
    try {
      await awsCall({ action: 'ssm:PutParameter', parameter }, (abortSignal) =>
        ssm.client.send(new ssm.sdk.PutParameterCommand({ Name: parameter, Value: value, Type: 'String', Overwrite: overwrite }), { abortSignal }),
      );
      return true;
    } catch (error) {
      if (!overwrite && awsErrorName(error) === 'ParameterAlreadyExists') return false;
      throw error;
    }
  }

  private async seal(secret: Secret, sealing: Sealing): Promise<string> {
    const kms = await this.kms();
    const sealed = await awsCall({ action: 'kms:Encrypt', keyId: sealing.keyId }, (abortSignal) =>
      kms.client.send(new kms.sdk.EncryptCommand({ KeyId: sealing.keyId, Plaintext: Buffer.from(secret.reveal()), EncryptionContext: sealing.context }), { abortSignal }),
    );
    return Buffer.from(sealed.CiphertextBlob as Uint8Array).toString('base64');
  }

  private async readSealed(name: string, sealing: Sealing): Promise<Secret | undefined> {
    return this.open(await this.get(name, true), sealing);
  }

  private async open(stored: StoredParameter | undefined, sealing: Sealing): Promise<Secret | undefined> {
    if (!stored) return undefined;
    if (stored.type === 'SecureString') return new Secret(stored.value);
    const kms = await this.kms();
    const opened = await awsCall({ action: 'kms:Decrypt', parameter: stored.name }, (abortSignal) =>
      kms.client.send(new kms.sdk.DecryptCommand({ CiphertextBlob: Buffer.from(stored.value, 'base64'), EncryptionContext: sealing.context }), { abortSignal }),
    );
    return new Secret(Buffer.from(opened.Plaintext as Uint8Array).toString('utf8'));
  }

  readToken(role: Role): Promise<Secret | undefined> {
    return this.readSealed(`${role}-token`, this.sealing(role));
  }

  async tokenExists(role: Role): Promise<boolean> {
    return (await this.get(`${role}-token`, false)) !== undefined;
  }

  async writeToken(role: Role, token: Secret): Promise<void> {
    await this.put(`${role}-token`, await this.seal(token, this.sealing(role)), true);
  }

  async readCluster(): Promise<ClusterRecord | undefined> {
    const stored = await this.get('cluster', false);
    return stored ? parseClusterRecord(stored.value) : undefined;
  }

  /**
   * One GetParameters for both. A role whose policy predates ssm:GetParameters (the AMI rolled
   * before the policy was updated) is denied it: then two GetParameter, as before, for the life of
   * the process, so a new manager still boots.
   */
  async readTokenAndCluster(role: Role): Promise<{ token: Secret | undefined; cluster: ClusterRecord | undefined }> {
    if (!this.#getParametersDenied) {
      const token = `${role}-token`;
      try {
        const found = await this.getMany([token, 'cluster'], true);
        const cluster = found.get('cluster');
        return { token: await this.open(found.get(token), this.sealing(role)), cluster: cluster ? parseClusterRecord(cluster.value) : undefined };
      } catch (error) {
        if (!(error instanceof AccessDeniedError && error.awsAction === 'ssm:GetParameters')) throw error;
        this.#getParametersDenied = true;
      }
    }
    return { token: await this.readToken(role), cluster: await this.readCluster() };
  }

  async writeCluster(record: ClusterRecord): Promise<void> {
    await this.put('cluster', JSON.stringify(record), true);
  }

  async registerManager(manager: RecordedManager): Promise<void> {
    await this.put(`managers/${manager.instanceId}`, JSON.stringify(manager), true);
  }

  async registeredManagers(): Promise<RecordedManager[]> {
    const path = this.path('managers');
    const ssm = await this.ssm();
    const found: RecordedManager[] = [];
    let nextToken: string | undefined;
    do {
      const page = await awsCall({ action: 'ssm:GetParametersByPath', parameter: path }, (abortSignal) =>
        ssm.client.send(new ssm.sdk.GetParametersByPathCommand({ Path: path, MaxResults: 10, NextToken: nextToken }), { abortSignal }),
      );
      for (const p of page.Parameters ?? []) found.push(parseRecordedManager(JSON.parse(p.Value ?? '{}') as unknown));
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return found;
  }

  async unregisterManager(instanceId: string): Promise<void> {
    await this.deleteParameter(`managers/${instanceId}`);
  }

  tryLock(name: string, instanceId: string): Promise<boolean> {
    return this.put(name, instanceId, false);
  }

  async readLock(name: string): Promise<LockRecord | undefined> {
    const stored = await this.get(name, false);
    return stored === undefined ? undefined : { ...parseLockValue(stored.value), writtenAt: stored.modifiedAt };
  }

  async markLockPublished(name: string, holder: string, swarmId: string): Promise<void> {
    await this.put(name, formatLockValue({ holder, published: swarmId }), true);
  }

  readUnlockKey(): Promise<Secret | undefined> {
    return this.readSealed('unlock-key', this.sealing('manager', 'unlock-key'));
  }

  async writeUnlockKey(key: Secret): Promise<void> {
    await this.put('unlock-key', await this.seal(key, this.sealing('manager', 'unlock-key')), true);
  }

  async deleteUnlockKey(): Promise<void> {
    await this.deleteParameter('unlock-key');
  }

  private async deleteParameter(name: string): Promise<void> {
    const parameter = this.path(name);
    const ssm = await this.ssm();
    try {
      await awsCall({ action: 'ssm:DeleteParameter', parameter }, (abortSignal) => ssm.client.send(new ssm.sdk.DeleteParameterCommand({ Name: parameter }), { abortSignal }));
    } catch (error) {
      if (awsErrorName(error) !== 'ParameterNotFound') throw error;
    }
  }

  /**
   * Both keys encrypt. Boot checks before take-lock and again before init, seconds apart: a check
   * stands for KEYS_CHECK_VALID_MS, so a long-running watch (a rebirth months later) checks anew.
   */
  async verifyKeys(): Promise<void> {
    if (this.#keysVerifiedAt !== undefined && Date.now() - this.#keysVerifiedAt < KEYS_CHECK_VALID_MS) return;
    const probe = new Secret('swarmnode key check');
    await Promise.all((['manager', 'worker'] as const).map((role) => this.seal(probe, this.sealing(role))));
    this.#keysVerifiedAt = Date.now();
  }
}

/**
 * The record as written by any release: before generations a record had none (it is the first), and
 * its `managers` were addresses without instances, which prove nothing gone (instance '').
 */
export function parseClusterRecord(text: string): ClusterRecord {
  const raw = JSON.parse(text) as Partial<ClusterRecord> & { managers?: unknown[] };
  const managers = (raw.managers ?? []).map((m) => (typeof m === 'string' ? { instanceId: '', addr: m, nodeId: '' } : parseRecordedManager(m)));
  const record: ClusterRecord = { swarmId: String(raw.swarmId), generation: typeof raw.generation === 'number' ? raw.generation : 1, createdAt: String(raw.createdAt ?? ''), createdBy: String(raw.createdBy ?? ''), managers };
  const recovered = raw.recovered;
  if (recovered !== undefined && typeof recovered.holder === 'string' && typeof recovered.nodeId === 'string' && Array.isArray(recovered.lost)) {
    record.recovered = { lock: String(recovered.lock ?? ''), holder: recovered.holder, nodeId: recovered.nodeId, lost: recovered.lost.map(String) };
  }
  return record;
}

function parseRecordedManager(raw: unknown): RecordedManager {
  const m = (raw ?? {}) as Partial<RecordedManager>;
  return { instanceId: String(m.instanceId ?? ''), addr: String(m.addr ?? ''), nodeId: String(m.nodeId ?? '') };
}
