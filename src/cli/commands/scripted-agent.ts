import { defineCommand } from '../command.js';
import { runScriptedAgent } from '../../agents/scripted.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const scriptedAgentCommand = defineCommand({
  path: ['scripted-agent'],
  describe: 'The built-in scripted agent (CLI preset "scripted"): a deterministic stand-in for an LLM that reads its prompt on stdin and acts through tt commands',
  async run(_args, cli) {
    const lines: string[] = [];
    await runScriptedAgent(await readStdin(), cli.runtime.cwd, cli.runtime.env, (line) => lines.push(line));
    return { kind: 'scripted-agent', payload: { actions: lines }, text: lines.join('\n') };
  },
});
