/** An opened town: where it is, its config, and its git directory. */
import type { TownConfig } from '../core/types.js';
import { readTownConfig } from './config.js';
import { findGitDir, findTown, type FindTownOptions } from './paths.js';

export interface Town {
  /** The folder holding `.tinytown/`; git runs here and paths are relative to it. */
  root: string;
  dir: string;
  config: TownConfig;
  gitDir: string | undefined;
}

export function openTown(options: FindTownOptions): Town {
  const location = findTown(options);
  return {
    ...location,
    config: readTownConfig(location.root),
    gitDir: findGitDir(location.root),
  };
}
