import type { Metafile } from 'esbuild';

export function bundle(options: { entry: string; outfile: string }): Promise<Metafile>;
