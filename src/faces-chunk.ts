/**
 * The faces that only `tt mcp` and `tt ui` need, as one part of the build:
 * scripts/build.mjs bundles this file (with the MCP SDK and zod) into
 * dist/faces.cjs, whose imports of the rest of src/ are served by the main
 * bundle, so every module and class exists once.
 */
export { runStdioServer } from './mcp/server.js';
export { runUi } from './ui/server.js';
