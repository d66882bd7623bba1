import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const absentOptional = fileURLToPath(new URL('./stubs/absent-optional.cjs', import.meta.url));
const absentTransport = fileURLToPath(new URL('./stubs/absent-transport.cjs', import.meta.url));

// Optional pieces pulled in by dockerode's SSH transport (ssh2) and by debug; all are loaded inside
// try/catch by their callers, so replacing them with a module that throws keeps their fallbacks.
const optionalModules = /^(cpu-features|supports-color)$|\.node$/;

// Required at load by dockerode and docker-modem, used only for SSH hosts and image builds: see the stub.
const unusedTransports = /^(ssh2|@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/;

const stubOptionalModules = {
  name: 'stub-optional-modules',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: optionalModules }, () => ({ path: absentOptional }));
    pluginBuild.onResolve({ filter: unusedTransports }, () => ({ path: absentTransport }));
  },
};

/**
 * Bundles the agent into one CommonJS file, the only format a Node 22 single executable can run.
 * Dynamic `import()` of our own modules becomes a lazy `require` inside the bundle, so the CLI
 * still loads the AWS SDK and dockerode only when a command needs them.
 */
export async function bundle({ entry, outfile }) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    // Error classes and log fields rely on constructor names.
    keepNames: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [stubOptionalModules],
  });
  const problems = [
    ...result.warnings.map((warning) => `esbuild warning: ${formatMessage(warning)}`),
    ...externalImportProblems(result.metafile),
  ];
  if (problems.length > 0) {
    throw new Error(`the bundle cannot run as a single executable:\n  ${problems.join('\n  ')}`);
  }
  return result.metafile;
}

/**
 * A single executable can only load Node builtins (by `require` or `import()`): anything else left
 * external would fail at run time on the instance, not here at build time.
 */
function externalImportProblems(metafile) {
  return Object.values(metafile.outputs).flatMap((output) =>
    output.imports
      .filter((imported) => imported.external)
      .filter((imported) => !isBuiltin(imported.path))
      .map((imported) => `external ${imported.kind} of "${imported.path}" left in the bundle`),
  );
}

function formatMessage(message) {
  const where = message.location
    ? `${message.location.file}:${message.location.line}: `
    : '';
  return `${where}${message.text}`;
}
