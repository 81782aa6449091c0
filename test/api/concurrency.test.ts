// Several real processes of one user creating, removing and sweeping at once
// against one registry for a few seconds: nothing throws, nothing tracked is
// lost, nothing removed is left tracked, and the registry reads clean after.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { exited, startNode, srcModule } from '../helpers/child';
import * as api from '../../src/api/index';
import { Registry } from '../../src/store/registry';

const env = isolatedEnv('concurrency');
after(() => env.cleanup());

const CHILDREN = 4;
const SECONDS = 3;

interface Result {
  calls: number;
  sweeps: number;
  kept: { id: string; path: string }[];
  removed: string[];
  due: { id: string; path: string }[];
}

test('processes creating and sweeping at once lose nothing and throw nothing', async () => {
  const until = Date.now() + SECONDS * 1000;
  const apiPath = JSON.stringify(srcModule('api/index'));
  // Every child tags its directories with its number, so they share one
  // registry (hint folders, shards, listing cache, locks) and one parent.
  const children = [];
  for (let i = 0; i < CHILDREN; i++) {
    children.push(
      startNode(
        `const api=require(${apiPath});const parent=${JSON.stringify(env.work)};` +
          `const r={calls:0,sweeps:0,kept:[],removed:[],due:[]};` +
          `(async()=>{while(Date.now()<${until}){r.calls++;` +
          `const k=api.tempdirSync({parent,lifetime:'1h',tags:['c${i}']});r.kept.push({id:k.id,path:k.path});` +
          `const d=api.tempdirSync({parent,lifetime:0,tags:['c${i}','due']});r.due.push({id:d.id,path:d.path});` +
          `if(r.calls%3===0){const x=r.kept.pop();const h=new api.EphemeralDirectory((await api.registered()).find(e=>e.id===x.id));h.removeSync();r.removed.push(x.path);}` +
          `if(r.calls%4===${i}){const s=await api.sweep({tags:['due']});r.sweeps++;if(s.failed.length)throw new Error('sweep failed: '+JSON.stringify(s.failed));}` +
          `if(r.calls%5===0){await api.list();}}` +
          `console.log(JSON.stringify(r));})().catch(e=>{console.error(e&&e.stack||e);process.exit(3)})`,
      ),
    );
  }
  const results = await Promise.all(children.map((c) => exited(c)));
  const parsed: Result[] = [];
  for (const r of results) {
    assert.equal(r.code, 0, `a child threw: ${r.err}`);
    parsed.push(JSON.parse(r.out) as Result);
  }
  const tracked = new Map((await api.registered()).map((e) => [e.id, e]));
  let calls = 0;
  for (const r of parsed) {
    calls += r.calls;
    for (const k of r.kept) {
      assert.equal(tracked.get(k.id)?.state, 'active', `${k.path} lost from the registry`);
      assert.equal(fs.existsSync(path.join(k.path, '.ephemdir')), true, `${k.path} lost from disk`);
    }
    for (const p of r.removed) assert.equal(fs.existsSync(p), false);
    for (const d of r.due) {
      // Swept by someone, or still waiting (tracked and whole): never half of each.
      if (tracked.has(d.id)) assert.equal(fs.existsSync(path.join(d.path, '.ephemdir')) || tracked.get(d.id)!.state !== 'active', true, d.path);
      else assert.equal(fs.existsSync(d.path), false, `${d.path} untracked but still on disk`);
    }
  }
  assert.ok(calls >= CHILDREN, `every child made directories (${calls} rounds)`);
  {
    using reg = Registry.open({ create: false })!;
    assert.deepEqual(reg.list({ cache: false }).problems, [], 'no unusable file left in the registry');
  }
  const last = await api.sweep({ tags: ['due'] });
  assert.deepEqual(last.failed, []);
  assert.deepEqual((await api.registered()).filter((e) => e.tags.includes('due')), [], 'every due directory swept in the end');
  assert.deepEqual(fs.readdirSync(env.work).filter((n) => n.startsWith('.ephemdir-staging')), []);
});
