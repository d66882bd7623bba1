import { AwsError } from './aws-error.js';

/** The form parameters of an awsQuery/ec2Query request, read the way the SDK serialises them. */
export class QueryParams {
  constructor(
    private readonly values: Map<string, string>,
    private readonly prefix = '',
  ) {}

  static parse(body: string): QueryParams {
    return new QueryParams(new Map(new URLSearchParams(body)));
  }

  string(name: string): string | undefined {
    return this.values.get(this.prefix + name);
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') {
      throw new AwsError('ValidationError', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
    }
    return value;
  }

  int(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value)) throw new AwsError('ValidationError', `Value ${raw} at '${name}' is not an integer`);
    return value;
  }

  bool(name: string): boolean | undefined {
    const raw = this.string(name);
    return raw === undefined ? undefined : raw === 'true';
  }

  /** `Name.1`, `Name.2`, ... in order (pass `X.member` for awsQuery lists). */
  list(name: string): string[] {
    return this.indexes(name).flatMap((i) => this.string(`${name}.${i}`) ?? []);
  }

  /** Structures `Name.1.*`, `Name.2.*`, ... each read through its own scoped QueryParams. */
  structs(name: string): QueryParams[] {
    return this.indexes(name).map((i) => new QueryParams(this.values, `${this.prefix}${name}.${i}.`));
  }

  private indexes(name: string): number[] {
    const head = `${this.prefix}${name}.`;
    const found = new Set<number>();
    for (const key of this.values.keys()) {
      if (!key.startsWith(head)) continue;
      const index = Number(key.slice(head.length).split('.')[0]);
      if (Number.isInteger(index) && index > 0) found.add(index);
    }
    return [...found].sort((a, b) => a - b);
  }
}
