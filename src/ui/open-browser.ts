/** `tt ui --open`: the platform's own "open this URL" command, detached; a failure is a note, never an error. */
import { spawn } from 'node:child_process';

function opener(platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

/** Resolves to undefined once the opener started, or to why it could not. */
export function openBrowser(url: string, platform = process.platform): Promise<string | undefined> {
  const { command, args } = opener(platform);
  return new Promise((resolve) => {
    const child = spawn(command, [...args, url], { stdio: 'ignore', detached: true });
    child.once('error', (error) => resolve(`could not open a browser (${command}: ${error.message}); open the URL yourself`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
