/** Every command, registered in one place. Groups (task, backlog) carry their subcommands. */
import type { CommandDefinition, CommandGroup } from '../command.js';
import { approveCommand } from './approve.js';
import { assignCommand } from './assign.js';
import { backlogGroup } from './backlog.js';
import { configCommand } from './config.js';
import { doctorCommand } from './doctor.js';
import { historyCommand } from './history.js';
import { inboxCommand } from './inbox.js';
import { initCommand } from './init.js';
import { listCommand } from './list.js';
import { rejectCommand } from './reject.js';
import { reviewCommand } from './review.js';
import { sendCommand } from './send.js';
import { spawnCommand } from './spawn.js';
import { statusCommand } from './status.js';
import { summaryCommand } from './summary.js';
import { taskGroup } from './task.js';

export const commands: ReadonlyArray<CommandDefinition | CommandGroup> = [
  initCommand, statusCommand, listCommand, historyCommand, configCommand, doctorCommand,
  spawnCommand,
  sendCommand, inboxCommand,
  assignCommand, taskGroup, backlogGroup,
  reviewCommand, approveCommand, rejectCommand, summaryCommand,
];
