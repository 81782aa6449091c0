// hold() racing real sweeps in another process: a directory that hold()
// said it holds never vanishes while held. Each round makes a due directory
// and holds it while a second process sweeps in a loop, so holds land in
// every phase of the claim (the check, the journaled intent, the rename).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { isolatedEnv } from '../helpers/api-env';
import { exited, startNode, srcModule } from '../helpers/child';
import * as api from '../../src/api/index';

const env = isolatedEnv('hold-race');
after(() => env.cleanup());

const SECONDS = 4;

test('a successful hold() means the directory stays until released', async () => {
  const apiPath = JSON.stringify(srcModule('api/index'));
  const until = Date.now() + SECONDS * 1000;
  const sweeper = startNode(
    `const api=require(${apiPath});(async()=>{let n=0;while(Date.now()<${until}+300){await api.sweep({tags:['hold']});n++;}console.log(n);})()` +
      `.catch(e=>{console.error(e);process.exit(3)})`,
  );
  const holder = startNode(
    `const fs=require('fs');const api=require(${apiPath});const wait=(ms)=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,ms);` +
      `const r={rounds:0,held:0,refused:{},vanished:[]};` +
      `while(Date.now()<${until}){r.rounds++;const d=api.tempdirSync({parent:${JSON.stringify(env.work)},lifetime:0,tags:['hold']});` +
      `let ino;try{ino=fs.statSync(d.path).ino}catch{r.refused.gone=(r.refused.gone||0)+1;continue;}wait(r.rounds%4);let h;` +
      `try{h=d.hold();}catch(e){r.refused[e.code]=(r.refused[e.code]||0)+1;continue;}` +
      `r.held++;wait(15);let st=null;try{st=fs.statSync(d.path)}catch{}` +
      `if(!st||st.ino!==ino||!fs.existsSync(d.path+'/.ephemdir'))r.vanished.push(d.path);h.release();}` +
      `console.log(JSON.stringify(r));`,
  );
  const [s, h] = await Promise.all([exited(sweeper), exited(holder)]);
  assert.equal(s.code, 0, s.err);
  assert.equal(h.code, 0, h.err);
  const r = JSON.parse(h.out) as { rounds: number; held: number; refused: Record<string, number>; vanished: string[] };
  assert.deepEqual(r.vanished, [], `held directories vanished (${JSON.stringify(r)})`);
  assert.ok(r.held > 0, `some holds succeeded (${JSON.stringify(r)})`);
  for (const code of Object.keys(r.refused)) assert.ok(['gone', 'EPHEMDIR_NOT_OURS', 'EPHEMDIR_INVALID_STATE', 'ENOENT'].includes(code), code);
  await api.sweep({ tags: ['hold'] });
  for (const e of await api.registered()) assert.notEqual(e.state, 'recovery');
});
