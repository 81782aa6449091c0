// removeOnExit in real child processes: normal exit, a fatal signal, and an
// application that handles the signal itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
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
