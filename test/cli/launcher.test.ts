/**
 * bin/tt, the installed command: a POSIX sh launcher that starts node with
 * NODE_EXTRA_CA_CERTS set aside (node 20 parses every CA certificate at
 * start-up when it is set) while the programs tt starts still get it.
 * Real processes throughout; what a process was started with is read from
 * /proc/<pid>/environ, which never changes after exec.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/repo.js';
import { REPO_ROOT, townWithTeam, tt, ttProcess, type TtResult } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';
import { ttInvocation } from '../../src/tt-invocation.js';

const LAUNCHER = path.join(REPO_ROOT, 'bin', 'tt');
const CERTS = '/etc/ssl/certs/ca-certificates.crt';

function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<TtResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }));
  });
}

/** A program that records its own environment and the one its parent was started with, then exits 0. */
function writeProbe(file: string, outDir: string): void {
  writeFileSync(file, [
    '#!/bin/sh',
    // Each file is written whole, then renamed: a test waiting for it never reads half of it.
    `env > '${outDir}/child-env.tmp' && mv '${outDir}/child-env.tmp' '${outDir}/child-env'`,
    `tr '\\0' '\\n' < /proc/$PPID/environ > '${outDir}/parent-env.tmp' && mv '${outDir}/parent-env.tmp' '${outDir}/parent-env'`,
    'cat > /dev/null',
    '',
  ].join('\n'));
  chmodSync(file, 0o755);
}

const variables = (file: string) => new Map(readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

/** What the probe recorded: tt (its parent) started without the variable, the probe itself got it back. */
function expectSetAsideThenGivenBack(dir: string): void {
  const parent = variables(path.join(dir, 'parent-env'));
  expect(parent.has('NODE_EXTRA_CA_CERTS')).toBe(false);
  expect(parent.get('TINYTOWN_NODE_EXTRA_CA_CERTS')).toBe(CERTS);
  const cli = variables(path.join(dir, 'child-env'));
  expect(cli.get('NODE_EXTRA_CA_CERTS')).toBe(CERTS);
  expect(cli.has('TINYTOWN_NODE_EXTRA_CA_CERTS')).toBe(false);
}

const towns: string[] = [];
afterEach(async () => {
  for (const dir of towns.splice(0)) await ttProcess(dir, ['stop']);
});

describe('bin/tt, the installed command', () => {
  it('runs through relative symlinks, as npm installs and links it, passing every argument and the exit code through', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    // npm install: node_modules/.bin/tt → ../tinytown/bin/tt; npm link: prefix/bin/tt → ../lib/node_modules/tinytown/bin/tt,
    // where the package folder is itself a link to the checkout.
    const modules = path.join(dir, 'node_modules');
    const prefix = path.join(dir, 'prefix');
    mkdirSync(path.join(modules, '.bin'), { recursive: true });
    mkdirSync(path.join(prefix, 'bin'), { recursive: true });
    mkdirSync(path.join(prefix, 'lib', 'node_modules'), { recursive: true });
    symlinkSync(REPO_ROOT, path.join(modules, 'tinytown'));
    symlinkSync(REPO_ROOT, path.join(prefix, 'lib', 'node_modules', 'tinytown'));
    symlinkSync('../tinytown/bin/tt', path.join(modules, '.bin', 'tt'));
    symlinkSync('../lib/node_modules/tinytown/bin/tt', path.join(prefix, 'bin', 'tt'));
    const linked = path.join(modules, '.bin', 'tt');
    const env = { ...process.env };
    const version = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;

    for (const [command, args, cwd] of [[linked, [], dir], [path.join(prefix, 'bin', 'tt'), [], dir], ['sh', ['tt'], path.join(modules, '.bin')]] as const) {
      const run = await runCommand(command, [...args, '--version'], cwd, env);
      expect(run.code, `${command} ${args.join(' ')}: ${run.stderr}`).toBe(0);
      expect(run.stdout.trim()).toBe(version);
    }

    const text = `spaces  kept, 'single' "double" $HOME \\ *`;
    const sent = await runCommand(linked, ['send', 'backend', text, '--json'], dir, env);
    expect(sent.code, sent.stderr).toBe(0);
    const inbox = (await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ body: string }> }>();
    expect(inbox.messages.map((m) => m.body.trimEnd())).toEqual([text]);

    const unknown = await runCommand(linked, ['send', 'nobody', 'hello'], dir, env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/nobody/);
  });

  it.runIf(existsSync('/proc/self/environ'))('starts node without NODE_EXTRA_CA_CERTS and gives it back, unchanged, to the CLI tt starts', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const fakeBin = path.join(dir, '.fake-bin');
    mkdirSync(fakeBin);
    writeProbe(path.join(fakeBin, 'claude'), dir);
    const env = { ...process.env, PATH: `${fakeBin}:${process.env.PATH}`, NODE_EXTRA_CA_CERTS: CERTS };

    const conductor = await runCommand(LAUNCHER, ['conductor', '--cli', 'claude'], dir, env);
    expect(conductor.code, conductor.stderr).toBe(0);
    expectSetAsideThenGivenBack(dir);
  });

  it.runIf(existsSync('/proc/self/environ'))('an agent loop tt starts also starts without it, and its CLI gets it back', async () => {
    const dir = tempRepo();
    towns.push(dir);
    await townWithTeam(dir);
    const probe = path.join(dir, '.probe');
    writeProbe(probe, dir);
    expect((await tt(dir, ['config', 'clis.probe', probe])).code).toBe(0);
    expect((await tt(dir, ['spawn', 'prober', '--cli', 'probe', '--no-start'])).code).toBe(0);
    expect((await tt(dir, ['send', 'prober', 'record your environment'])).code).toBe(0);

    const started = await runCommand(LAUNCHER, ['restart', 'prober', '--rounds', '1'], dir, { ...process.env, NODE_EXTRA_CA_CERTS: CERTS });
    expect(started.code, started.stderr).toBe(0);
    await waitFor(() => existsSync(path.join(dir, 'parent-env')) && existsSync(path.join(dir, 'child-env')), { timeoutMs: 30_000, what: 'the probe CLI to run' });
    expectSetAsideThenGivenBack(dir);
  }, 60_000);

  it('exits early only once its output is out: a reader slower than tt still gets every byte of a large answer', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    // ~1,500 messages written by hand (as a pull brings them): the JSON answer is far larger than a pipe's buffer.
    const inbox = path.join(dir, '.tinytown', 'inbox', 'backend');
    for (let i = 0; i < 1500; i++) {
      const id = `20261202T1200${String(Math.floor(i / 1000)).padStart(2, '0')}${String(i % 1000).padStart(3, '0')}Z-k3f9${String(i % 100).padStart(2, '0')}`;
      writeFileSync(path.join(inbox, `${id}.md`), `---\nid: "${id}"\nfrom: conductor\nto: backend\ntype: info\ntask: null\nurgent: false\ncreated: "2026-12-02T12:00:00.000Z"\nreply_to: null\n---\nmessage ${i} ${'x'.repeat(200)}\n`);
    }
    const fast = await ttProcess(dir, ['inbox', 'backend', '--limit', '0', '--json']);
    expect(fast.code, fast.stderr).toBe(0);
    expect(fast.stdout.length, fast.stdout.slice(0, 300)).toBeGreaterThan(256 * 1024);

    const slow = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'tt.js'), 'inbox', 'backend', '--limit', '0', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.pause();
      let stdout = '';
      // Nothing is read for a second: tt fills the pipe and must wait for it, not exit with its output half written.
      setTimeout(() => {
        child.stdout.on('data', (chunk) => { stdout += chunk; });
        child.stdout.resume();
      }, 1000);
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(slow.code).toBe(0);
    expect(slow.stdout).toBe(fast.stdout);
    expect(JSON.parse(slow.stdout).messages).toHaveLength(1500);
  }, 60_000);

  it('ttInvocation: how tt starts tt (the scripted agent\'s commands) sets the variable aside, and changes nothing else', () => {
    const env = { PATH: '/bin', NODE_EXTRA_CA_CERTS: CERTS, TINYTOWN_AGENT: 'backend' };
    const call = ttInvocation(['send', 'frontend', 'hi'], env);
    expect(call.command).toBe(process.execPath);
    expect(call.args).toEqual([path.join(REPO_ROOT, 'bin', 'tt.js'), 'send', 'frontend', 'hi']);
    expect(call.env).toEqual({ PATH: '/bin', TINYTOWN_NODE_EXTRA_CA_CERTS: CERTS, TINYTOWN_AGENT: 'backend' });
    expect(env.NODE_EXTRA_CA_CERTS).toBe(CERTS);
    expect(ttInvocation(['status'], { PATH: '/bin' }).env).toEqual({ PATH: '/bin' });
  });
});
