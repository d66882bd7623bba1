import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { resolve } from 'node:path';
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

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  // Error classes and log fields rely on constructor names.
  keepNames: true,
  metafile: true,
  logLevel: 'silent',
};

/**
 * Bundles the agent into one CommonJS file, the only format a Node 22 single executable can run.
 * Dynamic `import()` of our own modules becomes a lazy `require` inside the bundle, so the CLI
 * still loads dockerode only when a command needs it. `apart` names a module bundled on its own
 * (`bundleApart`) and stored in the executable as an asset: the bundle holds a loader in its place
 * that evaluates the asset on first `import()`.
 */
export async function bundle({ entry, outfile, apart }) {
  if (apart === undefined) return checked(await build({ ...common, entryPoints: [entry], outfile, plugins: [stubOptionalModules] }));
  const loader = loadFromAsset(apart);
  const metafile = checked(await build({ ...common, entryPoints: [entry], outfile, plugins: [stubOptionalModules, loader.plugin] }));
  if (!loader.used()) throw new Error(`the bundle cannot run as a single executable:\n  nothing imports ${apart.module}: it would be shipped as an asset and never loaded`);
  return metafile;
}

/**
 * Bundles one module (the AWS SDK as swarmnode uses it) on its own, tree-shaken to what it exports.
 * Inside the agent's bundle a module reached by `import()` is wrapped to run on first use, and
 * esbuild keeps every statement of a wrapped module: EC2's package alone brought 1 MB of schemas
 * for its 700 operations. Bundled apart from its ES module sources, only what the exported commands
 * reach is kept.
 */
export async function bundleApart({ entry, outfile }) {
  const inline = inlineSchemaKeys();
  const metafile = checked(
    await build({
      ...common,
      entryPoints: [entry],
      outfile,
      mainFields: ['module', 'main'],
      // Code made by vm.compileFunction has no loader for `import()`: the SDK's few, of builtins, become `require`.
      supported: { 'dynamic-import': false },
      plugins: [stubOptionalModules, inline.plugin],
    }),
  );
  const { files, keys } = inline.rewrites();
  if (files > 0 && keys === 0) {
    throw new Error('the AWS SDK changed the layout of its schema files: inline-schema-keys rewrote no key, and the bundle would keep every schema of every operation (scripts/sea/bundle.mjs)');
  }
  return metafile;
}

/**
 * The SDK's schema modules key their objects by constants (`{ [_xN]: _PEA }` with `const _xN =
 * "xmlName"`); esbuild cannot prove a computed key free of side effects, so every schema holding one
 * stays in the bundle, used or not. Writing each such key as the string its constant holds (the
 * same object: no constant is "__proto__") lets tree-shaking drop the schemas no exported command
 * reaches (EC2: 550 kB to 22 kB).
 */
function inlineSchemaKeys() {
  let files = 0;
  let keys = 0;
  const plugin = {
    name: 'inline-schema-keys',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async ({ path }) => {
        const source = await readFile(path, 'utf8');
        const strings = new Map(
          [...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].filter(([, , literal]) => literal !== '"__proto__"').map(([, name, literal]) => [name, literal]),
        );
        files++;
        // Only a key: right after the `{` or `,` of an object literal.
        const contents = source.replace(/([{,]\s*)\[(_\w+)\]:/g, (key, before, name) => {
          if (!strings.has(name)) return key;
          keys++;
          return `${before}${strings.get(name)}:`;
        });
        return { contents, loader: 'js' };
      });
    },
  };
  return { plugin, rewrites: () => ({ files, keys }) };
}

/** In place of `apart.module`: its bundle, read from the executable's asset `apart.asset` and run once, on first `import()`. */
function loadFromAsset(apart) {
  let used = false;
  const plugin = {
    name: 'load-from-asset',
    setup(pluginBuild) {
      // A path of its own, not the module's: the loader is CommonJS, the module's package is not.
      pluginBuild.onResolve({ filter: /\.[jt]s$/ }, ({ path, resolveDir }) => {
        if (resolve(resolveDir, path.replace(/\.js$/, '.ts')) !== apart.module) return undefined;
        used = true;
        return { path: apart.asset, namespace: 'sea-asset' };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: 'sea-asset' }, () => ({
        contents: [
          "const { getAsset } = require('node:sea');",
          "const { compileFunction } = require('node:vm');",
          `const source = getAsset(${JSON.stringify(apart.asset)}, 'utf8');`,
          `const run = compileFunction(source, ['exports', 'require', 'module'], { filename: ${JSON.stringify(apart.asset)} });`,
          'const loaded = { exports: {} };',
          // The executable's `require` serves Node's builtins, all a bundle may still require.
          'run(loaded.exports, require, loaded);',
          'module.exports = loaded.exports;',
        ].join('\n'),
        loader: 'js',
      }));
    },
  };
  return { plugin, used: () => used };
}

function checked(result) {
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
