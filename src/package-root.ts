/** The installed package's folder, found from this module (works from src/ under tests and from the bundle in dist/). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let folder = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(folder, 'templates')) || !existsSync(path.join(folder, 'package.json'))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error('cannot find the tinytown package folder (templates/ is missing)');
    folder = parent;
  }
  cached = folder;
  return folder;
}

export function templatePath(...parts: string[]): string {
  return path.join(packageRoot(), 'templates', ...parts);
}
