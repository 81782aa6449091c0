// Which hinted entries tempdir()'s bounded sweep takes, in what order, and which step it runs on them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAINTENANCE_BUDGET, MAINTENANCE_LIMIT, MAINTENANCE_LOOKS, maintenanceOrder, maintenanceSkip, maintenanceStep, type MaintenanceFacts } from '../../src/policy/maintenance';

type Row = { name: string; in: Array<[string, MaintenanceFacts['state'], boolean, string?]>; order: string[] };

const active = 'active' as const;
describe('maintenanceOrder', () => {
  const rows: Row[] = [
    { name: 'nothing hinted', in: [], order: [] },
    { name: 'active ones keep the hints\' order', in: [['a', active, false], ['b', active, false]], order: ['a', 'b'] },
    { name: 'a deletion under way goes first', in: [['a', active, false], ['d', 'deleting', false], ['b', active, false]], order: ['d', 'a', 'b'] },
    { name: 'moving and deleting both resume first, in order', in: [['a', active, false], ['m', 'moving', false], ['d', 'deleting', false]], order: ['m', 'd', 'a'] },
    { name: 'parked (recovery) entries wait for recover', in: [['r', 'recovery', false], ['a', active, false]], order: ['a'] },
    { name: 'keep-while-in-use needs an in-use scan: never here', in: [['k', active, true], ['a', active, false]], order: ['a'] },
    { name: 'a deletion under way is resumed even if it was keep-while-in-use', in: [['k', 'deleting', true]], order: ['k'] },
    { name: 'only skipped ones', in: [['r', 'recovery', false], ['k', active, true]], order: [] },
    { name: 'a deletion that failed before goes last (it must not block the rest)', in: [['f', 'deleting', false, 'EBUSY'], ['a', active, false], ['d', 'deleting', false]], order: ['d', 'a', 'f'] },
    { name: 'failed deletions alone are still retried', in: [['f', 'deleting', false, 'EBUSY'], ['g', 'moving', false, 'EIO']], order: ['f', 'g'] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const entries = row.in.map(([id, state, keepWhileInUse, lastError]) => ({ id, state, keepWhileInUse, lastError: lastError ?? null }));
      assert.deepEqual(maintenanceOrder(entries).map((e) => e.id), row.order);
    });
  }
});

describe('maintenanceSkip', () => {
  const rows: Array<[MaintenanceFacts['state'], boolean, ReturnType<typeof maintenanceSkip>]> = [
    ['active', false, null],
    ['active', true, 'in-use-scan'],
    ['moving', false, null],
    ['deleting', true, null],
    ['recovery', false, 'recovery'],
  ];
  for (const [state, keepWhileInUse, want] of rows) {
    it(`${state}${keepWhileInUse ? ', keep while in use' : ''}: ${want ?? 'may be taken'}`, () => {
      assert.equal(maintenanceSkip({ state, keepWhileInUse, lastError: null }), want);
    });
  }
});

describe('maintenanceStep', () => {
  const rows: Array<[MaintenanceFacts['state'], ReturnType<typeof maintenanceStep>]> = [
    ['active', 'claim'],
    ['moving', 'finish'],
    ['deleting', 'finish'],
    ['recovery', 'finish'],
  ];
  for (const [state, want] of rows) {
    it(`${state}: ${want}`, () => {
      assert.equal(maintenanceStep({ state }), want);
    });
  }
});

describe('bounds', () => {
  it('one directory per call, a few looked at, sixteen entries removed at most', () => {
    assert.equal(MAINTENANCE_LIMIT, 1);
    assert.ok(MAINTENANCE_LOOKS >= MAINTENANCE_LIMIT && MAINTENANCE_LOOKS <= 8);
    assert.equal(MAINTENANCE_BUDGET, 16);
  });
});
