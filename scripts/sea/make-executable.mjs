import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The fuse string Node looks for to know a SEA blob was injected; fixed by Node itself.
const seaFuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const postjectCli = createRequire(import.meta.url).resolve('postject/dist/cli.js');
// LIEF prints this for every note section of the Node ELF; Node's SEA docs call it harmless.
const harmlessLiefWarning = /^warning: Can't find string offset for section name '\.note[^']*'$/;

/**
 * V8 options baked into the executable (`execArgv`, Node >= 22.20). `watch` runs on every instance
 * for the life of the fleet and waits on I/O almost all the time, so memory counts, not speed:
 * 1 MB semi-spaces instead of up to 16 MB (more, cheap, scavenges); no optimizing compilers (their
 * code and the code they make buy nothing to a loop that sleeps); V8's size-over-speed heuristics
 * (`--optimize-for-size` took the leader's anonymous memory from 71 to 48 MB in the lab); and an
 * old-space limit that turns a leak into a crash systemd restarts rather than a starved instance.
 * Measured with `npm run bench -- economy` (README, "Economy at fleet scale").
 */
export const NODE_OPTIONS_BAKED_IN = ['--max-semi-space-size=1', '--max-old-space-size=96', '--no-opt', '--no-maglev', '--optimize-for-size'];

/**
 * Turns the bundle into a SEA preparation blob. A V8 code cache spares each start compiling the
 * whole bundle (most of `--version`'s time without it), but it can only be made by
 * the Node binary that will run it, so only the blob for the build machine's own architecture has
 * one. The start-up snapshot stays off: the CLI's entry does real work at start. `assets` (name to
 * file) go into the blob as they are, for `node:sea`'s getAsset.
 */
export function prepareBlob({ node, script, configFile, blobFile, useCodeCache, assets }) {
  const config = {
    main: script,
    output: blobFile,
    disableExperimentalSEAWarning: true,
    useCodeCache,
    useSnapshot: false,
    execArgv: NODE_OPTIONS_BAKED_IN,
    assets,
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  // The code cache is only accepted by a V8 started with the same flags as the one that made it.
  execFileSync(node, [...NODE_OPTIONS_BAKED_IN, '--experimental-sea-config', configFile], { stdio: 'pipe' });
}

/**
 * Copies a Node binary and injects the blob into the copy; the source binary is never touched. The
 * result replaces `output` by a rename, so instances of a lab still running the previous build keep
 * their executable (overwriting it in place fails with ETXTBSY).
 */
export function injectBlob({ nodeBinary, blobFile, output }) {
  const staging = `${output}.${process.pid}.tmp`;
  copyFileSync(nodeBinary, staging);
  chmodSync(staging, 0o755);
  const run = spawnSync(
    process.execPath,
    [postjectCli, staging, 'NODE_SEA_BLOB', blobFile, '--sentinel-fuse', seaFuse],
    { encoding: 'utf8' },
  );
  const stderr = run.stderr
    .split('\n')
    .filter((line) => line !== '' && !harmlessLiefWarning.test(line))
    .join('\n');
  if (run.status !== 0) {
    rmSync(staging, { force: true });
    throw new Error(`postject failed on ${output} (exit ${run.status ?? run.signal}):\n${stderr}${run.stdout}`);
  }
  if (stderr !== '') process.stderr.write(`${stderr}\n`);
  renameSync(staging, output);
}
