/**
 * The environment an agent's CLI runs in: the preset's additions (which a
 * variable the user set already overrides), the loop's own environment, and
 * a PATH that starts with tt's own bin/ folder — so the `tt` the agent types
 * is this tt however it was installed (npm link, npm -g, a tarball, or run by
 * its path), and never another one earlier on the PATH.
 */
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import type { AgentCommand } from './cli-command.js';

/** The folder holding the `tt` command of this package. */
export function ttBinDir(): string {
  return path.join(packageRoot(), 'bin');
}

/**
 * tt's bin/ first, then the PATH as it was (without another copy of that
 * folder); and the folder of the node running tt last, if the PATH lacks it:
 * bin/tt starts `node`, and tt may have been started by a node's full path.
 */
export function agentPath(current: string | undefined): string {
  const bin = ttBinDir();
  const folders = (current ?? '').split(path.delimiter).filter((folder) => folder !== '' && path.resolve(folder) !== bin);
  const nodeDir = path.dirname(process.execPath);
  if (!folders.some((folder) => path.resolve(folder) === nodeDir)) folders.push(nodeDir);
  return [bin, ...folders].join(path.delimiter);
}

/** The CLI's environment: preset additions < the loop's environment < PATH and tt's own variables. */
export function agentEnvironment(command: Pick<AgentCommand, 'env'>, env: NodeJS.ProcessEnv, own: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...command.env, ...env, PATH: agentPath(env.PATH), ...own };
}
