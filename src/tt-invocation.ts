/**
 * How tt starts tt (an agent's loop, the scripted agent's commands): this node,
 * this package's bin/tt.js, and the environment bin/tt would give it —
 * NODE_EXTRA_CA_CERTS set aside, so node skips parsing every CA certificate at
 * start-up (see bin/tt); bin/tt.js puts it back for the programs that tt starts.
 */
import path from 'node:path';
import { packageRoot } from './package-root.js';

const SET_ASIDE = 'TINYTOWN_NODE_EXTRA_CA_CERTS';

export interface TtInvocation {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export function ttInvocation(args: readonly string[], env: NodeJS.ProcessEnv): TtInvocation {
  const childEnv = { ...env };
  if (childEnv.NODE_EXTRA_CA_CERTS) {
    childEnv[SET_ASIDE] = childEnv.NODE_EXTRA_CA_CERTS;
    delete childEnv.NODE_EXTRA_CA_CERTS;
  }
  return { command: process.execPath, args: [path.join(packageRoot(), 'bin', 'tt.js'), ...args], env: childEnv };
}
