/**
 * The composition root's one job besides starting main: tell the CLI where
 * the other faces are. `tt mcp` and `tt ui` are the only commands that load
 * them (the MCP SDK, the board's server), on first use; every other command
 * never reads their code.
 */
import type { Faces } from './cli/command.js';
import { loadFaceChunk } from './faces-loader.js';

export const faces: Faces = {
  async serveMcp(options) {
    const { runStdioServer } = await loadFaceChunk();
    await runStdioServer(options);
  },
  async serveUi(options) {
    const { runUi } = await loadFaceChunk();
    return runUi(options);
  },
};
