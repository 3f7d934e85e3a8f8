/**
 * The contract between the real-CLI suite's parts (issue 18, `npm run test:agents`):
 * a deterministic "brain" decides what a model would do next from what the CLI
 * sent it, and one mock per model API (Anthropic Messages, OpenAI Responses,
 * Gemini) turns that decision into its own wire format — a shell tool call,
 * an MCP tool call, or a final answer — so every CLI is played by the same
 * script and only the protocol differs.
 */

/** What the model does next. */
export type AgentStep =
  /** Run a command through the CLI's own shell tool (Claude Code `Bash`, Codex `exec_command`/`shell`, Gemini `run_shell_command`). */
  | { readonly kind: 'shell'; readonly command: string }
  /** Call a tool of the tinytown MCP server by its bare name (`task_start`); each mock adds its CLI's namespace. */
  | { readonly kind: 'mcp'; readonly tool: string; readonly args: Readonly<Record<string, unknown>> }
  /** Answer with text and end the round. */
  | { readonly kind: 'done'; readonly text: string };

/** A step already taken in this conversation, with what the tool answered. */
export interface StepResult {
  readonly step: AgentStep;
  /** The tool's output as the CLI reported it back to the model (text, possibly with an exit code line). */
  readonly output: string;
}

/** What the brain is given: the conversation so far, as the mock decoded it. */
export interface Conversation {
  /** The first user message of the conversation: the prompt tt built for the round. */
  readonly prompt: string;
  /** The steps taken so far in this conversation (this round), in order, with their results. */
  readonly results: readonly StepResult[];
  /** The tool names the CLI offered the model in this request, exactly as sent (to find the MCP namespace). */
  readonly tools: readonly string[];
}

/** Decides the next step; deterministic, pure. */
export type Brain = (conversation: Conversation) => AgentStep;

/** A model API mock listening on 127.0.0.1. */
export interface ModelMock {
  /** The base URL to give the CLI (what its *_BASE_URL or provider config wants). */
  readonly url: string;
  /** Every request received, method + path + JSON body, for assertions and debugging. */
  readonly requests: ReadonlyArray<{ readonly method: string; readonly path: string; readonly body: unknown }>;
  close(): Promise<void>;
}
