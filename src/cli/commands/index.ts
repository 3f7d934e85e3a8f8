/** Every command, registered in one place. Groups (task, backlog) carry their subcommands. */
import type { CommandDefinition, CommandGroup } from '../command.js';
import { agentControlCommands } from './agent-controls.js';
import { approveCommand } from './approve.js';
import { assignCommand } from './assign.js';
import { backlogGroup } from './backlog.js';
import { completionCommand } from './completion.js';
import { conductorCommand } from './conductor.js';
import { configCommand } from './config.js';
import { doctorCommand } from './doctor.js';
import { eventsCommand } from './events.js';
import { historyCommand } from './history.js';
import { inboxCommand } from './inbox.js';
import { initCommand } from './init.js';
import { listCommand } from './list.js';
import { loopCommand } from './loop.js';
import { mcpCommand } from './mcp.js';
import { mergeDriverCommand } from './merge-driver.js';
import { reclaimCommand } from './reclaim.js';
import { rejectCommand } from './reject.js';
import { releaseCommand } from './release.js';
import { reservationsCommand } from './reservations.js';
import { reserveCommand } from './reserve.js';
import { reviewCommand } from './review.js';
import { scriptedAgentCommand } from './scripted-agent.js';
import { searchCommand } from './search.js';
import { sendCommand } from './send.js';
import { spawnCommand } from './spawn.js';
import { statusCommand } from './status.js';
import { summaryCommand } from './summary.js';
import { syncCommand } from './sync.js';
import { taskGroup } from './task.js';
import { uiCommand } from './ui.js';
import { watchCommand } from './watch.js';

export const commands: ReadonlyArray<CommandDefinition | CommandGroup> = [
  initCommand, statusCommand, listCommand, historyCommand, configCommand, doctorCommand,
  spawnCommand, ...agentControlCommands, reclaimCommand, conductorCommand, loopCommand, scriptedAgentCommand,
  sendCommand, inboxCommand,
  watchCommand, eventsCommand,
  assignCommand, taskGroup, backlogGroup,
  reviewCommand, approveCommand, rejectCommand, summaryCommand,
  reserveCommand, releaseCommand, reservationsCommand,
  syncCommand, mergeDriverCommand,
  mcpCommand, uiCommand, searchCommand, completionCommand,
];
