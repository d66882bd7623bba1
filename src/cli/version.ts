import pkg from '../../package.json' with { type: 'json' };

/** package.json is the one place the version is written; the bundle inlines it. */
export const VERSION: string = pkg.version;
