// Scenario 2: `tt assign` and `tt task list` in a town of 2,000 tasks and in a
// new one, beside Backlog.md doing the same in projects of the same sizes, and
// beside the raw-git floor.

import { BACKLOG_REFERENCE as REFERENCE, BACKLOG_VERSION, installBacklog, makeBacklogProject, withoutExtraCaCerts } from '../backlog.mjs';
import { rawGitBaseline } from '../lib/repos.mjs';
import { median, p95, summary } from '../lib/stats.mjs';

const SPEED_UP_GOAL = 4;

export async function scenarioTasks(ctx) {
  const { config, log, processes, towns, newRepo, report } = ctx;
  const { row } = report;
  const { run, tt, git, env } = processes;
  const size = config.taskTownSize; const runs = config.taskRuns;
  const backlog = installBacklog({ node: processes.node, env, log });
  if (backlog.unavailable) log(`tasks: WARNING: Backlog.md is not measured: ${backlog.unavailable}`);
  log(`tasks: generating towns of ${size} tasks and new ones${backlog.command ? ', and Backlog.md projects of the same sizes' : ''}`);
  const town = { big: await towns.makeTown('tasks-tt', { tasks: size }), fresh: await towns.makeTown('tasks-tt-new') };
  const gitTown = await towns.makeTown('tasks-git', { tasks: size });
  const project = backlog.command
    ? { big: makeBacklogProject({ backlog, dir: newRepo('tasks-backlog'), env, tasks: size, git }), fresh: makeBacklogProject({ backlog, dir: newRepo('tasks-backlog-new'), env, tasks: 0, git }) }
    : null;
  const problems = towns.checkTown(town.big, { tasks: size, messages: 0 });
  const blRun = (dir, ...args) => run(backlog.command[0], [...backlog.command.slice(1), ...args], { cwd: dir, env: withoutExtraCaCerts(env) }).ms;
  const title = (i) => `Benchmark assignment ${i}: add request logging to the orders API`;
  log(`tasks: ${config.warmup} warm-up + ${runs} interleaved runs of tt assign / tt task list --json${project ? ' / backlog task create / backlog task list' : ''} / raw git`);
  const m = { assign: [], list: [], assignNew: [], base: [], blCreate: [], blList: [], blCreateNew: [] };
  let listed = 0;
  for (let i = -config.warmup; i < runs; i++) {
    const sample = {
      assign: tt(town.big, 'assign', 'backend', title(i)).ms,
      blCreate: project && blRun(project.big, 'task', 'create', title(i), '-a', '@backend'),
      list: tt(town.big, 'task', 'list', '--json'),
      blList: project && blRun(project.big, 'task', 'list', '--plain'),
      assignNew: tt(town.fresh, 'assign', 'backend', title(i)).ms,
      blCreateNew: project && blRun(project.fresh, 'task', 'create', title(i), '-a', '@backend'),
      base: rawGitBaseline(processes, gitTown, i).total,
    };
    if (i < 0) continue;
    listed = JSON.parse(sample.list.stdout).tasks.length;
    sample.list = sample.list.ms;
    for (const [key, value] of Object.entries(sample)) if (value !== null) m[key].push(value);
  }
  if (project) {
    const commits = Number(git(project.big, 'rev-list', '--count', '--grep=^Create task', 'HEAD').stdout.trim());
    if (commits !== runs + config.warmup) {
      problems.push(`backlog task create made ${commits} commits for ${runs + config.warmup} tasks`);
      log(`WARNING: ${problems.at(-1)}`);
    }
  }
  const mb = median(m.base);
  const out = {
    description: `tt assign and tt task list --json in a town of ${size} tasks and in a new one, beside Backlog.md ${BACKLOG_VERSION} (backlog task create with auto-commit, backlog task list --plain) in projects of the same sizes, and beside node -e 0 + git add + git commit`,
    town_tasks: size, tasks_listed_last_run: listed, generation_problems: problems,
    assign_ms: summary(m.assign), list_ms: summary(m.list), assign_new_town_ms: summary(m.assignNew), baseline_ms: summary(m.base),
    assign_ratio_to_baseline: median(m.assign) / mb, list_ratio_to_baseline: median(m.list) / mb,
    reference: REFERENCE,
  };
  report.results.scenarios.tasks = out;
  const label = `2 tasks (${size})`;
  row({ scenario: label, measure: 'tt assign', median: median(m.assign), p95: p95(m.assign), baseline: mb, ratio: median(m.assign) / mb, goal: '', pass: null });
  const speedUps = [];
  const beside = (measure, ours, theirs) => {
    const speedUp = median(theirs) / median(ours);
    speedUps.push(speedUp);
    row({ scenario: '', measure, median: median(theirs), p95: p95(theirs), baseline: null, ratio: speedUp, ratioSuffix: '× slower than tt', goal: `≥ ${SPEED_UP_GOAL}×`, pass: speedUp >= SPEED_UP_GOAL });
    return speedUp;
  };
  if (project) {
    out.backlog = { version: BACKLOG_VERSION, installed_in: backlog.folder, create_ms: summary(m.blCreate), list_ms: summary(m.blList), create_new_project_ms: summary(m.blCreateNew), env: 'without NODE_EXTRA_CA_CERTS, as tt runs' };
    out.assign_speedup_vs_backlog = beside(`  Backlog.md task create -a (auto-commit), ${size} tasks`, m.assign, m.blCreate);
  }
  row({ scenario: '', measure: `tt task list --json (${listed} tasks)`, median: median(m.list), p95: p95(m.list), baseline: mb, ratio: median(m.list) / mb, goal: '', pass: null });
  if (project) out.list_speedup_vs_backlog = beside('  Backlog.md task list --plain', m.list, m.blList);
  row({ scenario: '', measure: 'tt assign in a new town', median: median(m.assignNew), p95: p95(m.assignNew), baseline: null, ratio: null, goal: '', pass: null });
  if (project) out.assign_new_town_speedup_vs_backlog = beside('  Backlog.md task create -a in a new project', m.assignNew, m.blCreateNew);
  else row({ scenario: '', measure: 'Backlog.md', median: null, p95: null, baseline: null, ratio: null, goal: `≥ ${SPEED_UP_GOAL}×`, pass: 'n/a', note: `not measured: ${backlog.unavailable}` });

  const assignGoal = REFERENCE.assign_ms / SPEED_UP_GOAL; const listGoal = REFERENCE.list_ms / SPEED_UP_GOAL;
  const referencePass = median(m.assign) <= assignGoal && median(m.list) <= listGoal;
  row({ scenario: '', measure: `quoted ${REFERENCE.tool} ${REFERENCE.assign_ms} ms / ${REFERENCE.list_ms} ms ÷ tt assign / task list`, median: null, p95: null, baseline: null,
    ratio: null, goal: `≤ ${assignGoal} ms / ≤ ${listGoal} ms`, pass: referencePass,
    note: `${(REFERENCE.assign_ms / median(m.assign)).toFixed(2)}× / ${(REFERENCE.list_ms / median(m.list)).toFixed(2)}× faster (quoted, not measured)` });
  out.goal = `≥ ${SPEED_UP_GOAL}× faster than Backlog.md measured in the same run${project ? '' : ' (not measurable here: judged against the quoted figures)'}; and within the quoted figures ÷ ${SPEED_UP_GOAL}`;
  out.pass = (project ? speedUps.every((x) => x >= SPEED_UP_GOAL) : true) && referencePass;
}
