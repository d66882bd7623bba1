/**
 * The value of an init lock parameter: the holder's instance id as taken (Overwrite=false), or,
 * once the holder has begun publishing, JSON naming the swarm it published.
 */
export interface LockValue {
  holder: string;
  published: string | undefined;
}

export function formatLockValue(value: LockValue): string {
  return value.published === undefined ? value.holder : JSON.stringify({ holder: value.holder, published: value.published });
}

/** Reads both forms; a value that is neither is kept whole as the holder, so it is never taken for free. */
export function parseLockValue(text: string): LockValue {
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Partial<LockValue>;
      if (typeof parsed.holder === 'string') return { holder: parsed.holder, published: typeof parsed.published === 'string' ? parsed.published : undefined };
    } catch {
      // not JSON after all: fall through
    }
  }
  return { holder: text, published: undefined };
}
