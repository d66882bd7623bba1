import type { Metafile } from 'esbuild';

export function bundle(options: { entry: string; outfile: string; apart?: { module: string; asset: string } }): Promise<Metafile>;
export function bundleApart(options: { entry: string; outfile: string }): Promise<Metafile>;
