// Points ephemdir at scratch data and config folders for one test file, so
// tests never touch the real user's registry.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratch } from './scratch';

export interface IsolatedEnv extends Disposable {
  root: string;
  work: string;
  data: string;
  config: string;
  cleanup(): void;
}

export function isolatedEnv(label: string): IsolatedEnv {
  const s = scratch(label);
  const data = path.join(s.dir, 'data');
  const config = path.join(s.dir, 'config');
  const work = path.join(s.dir, 'work');
  fs.mkdirSync(work, { mode: 0o700 });
  process.env.EPHEMDIR_DATA_DIR = data;
  process.env.EPHEMDIR_CONFIG_DIR = config;
  return { root: s.dir, work, data, config, cleanup: s.cleanup, [Symbol.dispose]: s.cleanup };
}
