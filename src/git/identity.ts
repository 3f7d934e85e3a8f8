/**
 * Who a tt commit is by: the acting agent is the author; the committer is the
 * repository's configured user, or this tinytown identity where none is
 * configured (fresh machines and CI have none) — DESIGN §2. The one home of
 * those identities for every commit tt makes (git/commit.ts, git/remote.ts).
 */
import { type GitTask, succeeded } from './task.js';

export const AGENT_EMAIL_DOMAIN = 'tinytown.invalid';

export const FALLBACK_COMMITTER: Readonly<Record<string, string>> = {
  GIT_COMMITTER_NAME: 'Tinytown',
  GIT_COMMITTER_EMAIL: `tinytown@${AGENT_EMAIL_DOMAIN}`,
};

/** `Name <email>` for `--author`. */
export function authorIdent(agent: string): string {
  return `${agent} <${agent}@${AGENT_EMAIL_DOMAIN}>`;
}

export function authorEnv(agent: string): Record<string, string> {
  return { GIT_AUTHOR_NAME: agent, GIT_AUTHOR_EMAIL: `${agent}@${AGENT_EMAIL_DOMAIN}` };
}

/** Refuse git's guessed identities (user@hostname): a missing identity is detected, not invented. */
export const CONFIGURED_IDENTITY_ONLY = ['-c', 'user.useConfigOnly=true'] as const;

/** Is a committer identity configured? */
export const hasCommitterTask = (): GitTask<boolean> => ({
  args: [...CONFIGURED_IDENTITY_ONLY, 'var', 'GIT_COMMITTER_IDENT'],
  okExitCodes: [128, 1],
  parse: succeeded,
});

/** Author env plus the fallback committer where none is configured. */
export function identityEnv(agent: string, committerConfigured: boolean): Record<string, string> {
  return committerConfigured ? authorEnv(agent) : { ...authorEnv(agent), ...FALLBACK_COMMITTER };
}
