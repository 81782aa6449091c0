// removeOnExit in real child processes: normal exit, a fatal signal, and an
// application that handles the signal itself (with on, once, prepended,
// several listeners, before or after the directory was made).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { runNode, startNode, srcModule } from '../helpers/child';

const env = isolatedEnv('exit');
after(() => env.cleanup());

const create = (extra = '') =>
  `const api=require(${JSON.stringify(srcModule('api/index'))});` +
  `api.tempdir({parent:${JSON.stringify(env.work)},removeOnExit:true}).then(d=>{console.log(d.path);${extra}});`;

function waitLine(child: ReturnType<typeof startNode>): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (c) => reject(new Error(`exited early: ${c}`)));
  });
}

test('removed on a normal exit', () => {
  const r = runNode(create());
  assert.equal(r.status, 0, r.stderr);
  const p = r.stdout.trim();
  assert.ok(p.startsWith(env.work));
  assert.equal(fs.existsSync(p), false);
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`removed on ${signal}, and the process still dies of ${signal}`, async () => {
    const child = startNode(create('setInterval(()=>{},1000);'));
    const p = await waitLine(child);
    assert.equal(fs.existsSync(p), true);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    child.kill(signal);
    assert.equal(await exited, signal);
    assert.equal(fs.existsSync(p), false);
  });
}

test("an application's own SIGTERM handler stays in charge", async () => {
  const child = startNode(
    create(`process.on('SIGTERM',()=>{console.log('app-handled');setTimeout(()=>process.exit(7),300);});setInterval(()=>{},1000);`),
  );
  const p = await waitLine(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(fs.existsSync(p), true, 'not removed while the application keeps running');
  assert.equal(await exited, 7, 'the application chose its own exit code');
  assert.match(out, /app-handled/);
  assert.equal(fs.existsSync(p), false, 'removed when it did exit');
});

// How the application listens, as code run before (`before`) or after
// (`after`) tempdir(). `handler` is the application's graceful shutdown: it
// reports whether the directory was still there when it ran, then exits 7.
const handler = (_sig: string) =>
  `(()=>{console.log('app-handled exists='+require('fs').existsSync(globalThis.dirPath));setTimeout(()=>process.exit(7),20);})`;
const styles: Record<string, { before?: (s: string) => string; after?: (s: string) => string }> = {
  'once before the directory': { before: (s) => `process.once('${s}',${handler(s)});` },
  'on before the directory': { before: (s) => `process.on('${s}',${handler(s)});` },
  'several once listeners': {
    before: (s) => `process.once('${s}',()=>{});process.once('${s}',${handler(s)});`,
  },
  'once after the directory': { after: (s) => `process.once('${s}',${handler(s)});` },
  'prependListener once after the directory': { after: (s) => `process.prependOnceListener('${s}',${handler(s)});` },
};

function appCode(signal: string, style: { before?: (s: string) => string; after?: (s: string) => string }): string {
  return (
    (style.before?.(signal) ?? '') +
    `const api=require(${JSON.stringify(srcModule('api/index'))});` +
    `api.tempdir({parent:${JSON.stringify(env.work)},removeOnExit:true}).then(d=>{globalThis.dirPath=d.path;` +
    (style.after?.(signal) ?? '') +
    `console.log(d.path);setInterval(()=>{},1000);});`
  );
}

const cases: [NodeJS.Signals, string][] = [
  ...Object.keys(styles).map((name) => ['SIGTERM', name] as [NodeJS.Signals, string]),
  ['SIGINT', 'once before the directory'],
  ['SIGHUP', 'once before the directory'],
  ['SIGINT', 'on before the directory'],
  ['SIGHUP', 'prependListener once after the directory'],
];

for (const [signal, name] of cases) {
  test(`${signal} with the application's listener (${name}): its shutdown finishes, then the directory goes`, async () => {
    const child = startNode(appCode(signal, styles[name]!));
    const p = await waitLine(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    child.kill(signal);
    assert.deepEqual(await exited, [7, null], 'the application chose its own exit code');
    assert.match(out, /app-handled exists=true/, 'not removed before the application handled the signal');
    assert.equal(fs.existsSync(p), false, 'removed when it did exit');
  });
}

test('after a once listener has run, the next signal is unhandled: removed, and the process dies of it', async () => {
  const child = startNode(
    `process.once('SIGTERM',()=>console.log('first'));` +
      `const api=require(${JSON.stringify(srcModule('api/index'))});` +
      `api.tempdir({parent:${JSON.stringify(env.work)},removeOnExit:true}).then(d=>{console.log(d.path);setInterval(()=>{},1000);});`,
  );
  const p = await waitLine(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
  child.kill('SIGTERM');
  while (!out.includes('first')) await new Promise((r) => setTimeout(r, 20));
  assert.equal(fs.existsSync(p), true, 'the first signal was the application\'s');
  child.kill('SIGTERM');
  assert.equal(await exited, 'SIGTERM');
  assert.equal(fs.existsSync(p), false);
});

test('a shell sees the conventional exit status (128 + signal) when nobody else listens', () => {
  for (const [signal, status] of [['TERM', 143], ['INT', 130], ['HUP', 129]] as const) {
    const code = create(`process.kill(process.pid,'SIG${signal}');setInterval(()=>{},1000);`);
    const node = [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--test')), '-e', code];
    const r = spawnSync('sh', ['-c', '"$@"; echo "status=$?"', 'sh', ...node], { encoding: 'utf8', timeout: 30_000 });
    const p = r.stdout.split('\n')[0]!;
    assert.match(r.stdout, new RegExp(`status=${status}`), r.stderr);
    assert.ok(p.startsWith(env.work), r.stdout);
    assert.equal(fs.existsSync(p), false, `removed on SIG${signal}`);
  }
});
