// The real consumer: node_exporter's textfile collector reads the file a
// sweep wrote and serves it, with no scrape error. Skipped where node_exporter
// is not installed (Debian: prometheus-node-exporter).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CliSandbox } from '../helpers/cli-sandbox';

const EXPORTER = ['prometheus-node-exporter', 'node_exporter'].find((b) => spawnSync(b, ['--version']).status === 0);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('node_exporter textfile collector', { skip: !EXPORTER && 'node_exporter is not installed (Debian: prometheus-node-exporter)' }, () => {
  let sb: CliSandbox;
  let exporter: ChildProcess | undefined;
  before(() => {
    sb = new CliSandbox();
  });
  after(() => {
    exporter?.kill('SIGTERM');
    sb.cleanup();
  });

  it('serves the file a sweep wrote, with node_textfile_scrape_error 0', async () => {
    const dir = path.join(sb.root, 'textfile');
    fs.mkdirSync(dir, { mode: 0o755 });
    const p = (JSON.parse(sb.ok(['new', '--lifetime', '1s', '--json'])) as { path: string }).path;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1100);
    sb.ok(['sweep', '--metrics-file', path.join(dir, 'ephemdir.prom')]);
    assert.ok(!fs.existsSync(p));
    const port = await freePort();
    exporter = spawn(
      EXPORTER!,
      ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${dir}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    let body = '';
    for (let i = 0; i < 100 && !body; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        body = await res.text();
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.match(body, /^node_textfile_scrape_error 0$/m);
    assert.match(body, /^ephemdir_sweep_removed_directories 1$/m);
    assert.match(body, /^ephemdir_tracked_directories\{status="active"\} 0$/m);
    assert.match(body, /^# TYPE ephemdir_swept_directories_total counter$/m);
    assert.match(body, /^ephemdir_last_sweep_timestamp_seconds \S+$/m);
  });
});
