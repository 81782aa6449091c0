// A restart simulated for real (another boot id bind-mounted over
// /proc/sys/kernel/random/boot_id in a private mount namespace), and real
// processes racing keep() against sweep().
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { runNode, startNode, srcModule } from '../helpers/child';
import { isRoot, isLinux } from '../helpers/scratch';
import * as api from '../../src/api/index';

const env = isolatedEnv('restart');
after(() => env.cleanup());

test('removeOnRestart directories are swept after a restart, others are kept', { skip: !(isRoot && isLinux) && 'needs root on Linux for a private mount namespace' }, async () => {
  const onRestart = await api.tempdir({ parent: env.work, tags: ['boot'] });
  const survives = await api.tempdir({ parent: env.work, removeOnRestart: false, lifetime: '1h', tags: ['boot'] });
  const fakeBoot = path.join(env.root, 'boot_id');
  fs.writeFileSync(fakeBoot, '00000000-0000-4000-8000-000000000000\n');
  const script =
    `mount --bind ${fakeBoot} /proc/sys/kernel/random/boot_id && ` +
    `exec "${process.execPath}" ${process.execArgv.filter((a) => !a.startsWith('--test')).map((a) => `'${a}'`).join(' ')} -e ` +
    `'require(${JSON.stringify(srcModule('api/index'))}).sweep({tags:["boot"]}).then(r=>console.log(JSON.stringify(r.removed.map(i=>i.path))))'`;
  const r = runNode('', { prefix: ['unshare', '-m', '--propagation', 'private', '--', 'sh', '-c', script] });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), [onRestart.path]);
  assert.equal(fs.existsSync(onRestart.path), false);
  assert.equal(fs.existsSync(survives.path), true);
  // In this (unrestarted) namespace nothing more is due.
  assert.equal((await api.sweep({ tags: ['boot'] })).removed.length, 0);
  await survives.remove();
});

test('keep racing a forced sweep: an acknowledged keep is never deleted', async () => {
  const dirs = [];
  for (let i = 0; i < 30; i++) dirs.push(await api.tempdir({ parent: env.work, tags: ['race'] }));
  const apiPath = JSON.stringify(srcModule('api/index'));
  const keeper = startNode(
    `const api=require(${apiPath});(async()=>{const kept=[];for(const p of ${JSON.stringify(dirs.map((d) => d.path))}){` +
      `try{kept.push(await api.keep(p));}catch(e){if(!['EPHEMDIR_NOT_FOUND','EPHEMDIR_INVALID_STATE','EPHEMDIR_BUSY'].includes(e.code))throw e;}}` +
      `console.log(JSON.stringify(kept));})().catch(e=>{console.error(e);process.exit(3)})`,
  );
  const sweeper = startNode(`require(${apiPath}).sweep({force:true,tags:['race']}).then(r=>console.log(JSON.stringify(r.removed.map(i=>i.path))))`);
  const collect = (c: ReturnType<typeof startNode>) =>
    new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      c.stdout!.on('data', (b: Buffer) => (out += b));
      c.stderr!.on('data', (b: Buffer) => (err += b));
      c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    });
  const [keptOut, removedOut] = await Promise.all([collect(keeper), collect(sweeper)]);
  const kept: string[] = JSON.parse(keptOut);
  const removed: string[] = JSON.parse(removedOut);
  for (const p of kept) {
    assert.equal(fs.existsSync(p), true, `kept ${p} must survive`);
    assert.equal(removed.includes(p), false);
  }
  for (const p of removed) assert.equal(fs.existsSync(p), false);
  assert.equal(kept.length + removed.length, dirs.length, 'every directory was either kept or removed');
  assert.deepEqual((await api.registered()).filter((e) => e.tags.includes('race')), [], 'nothing left tracked');
  for (const p of kept) fs.rmSync(p, { recursive: true });
});
