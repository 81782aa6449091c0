#!/usr/bin/env node
'use strict';
// Benchmark orchestrator. Each section is a module exporting
// `run(opts) -> Promise<{title, text, data}>`; adding one is one line in
// SECTIONS. Results print as tables (medians and ratios from the same run)
// and are saved as JSON in bench/results/<timestamp>.json. A section's result
// may carry `targets` (rows of the speed targets, format in targets.js):
// they print at the end as one table in the order, with the rows no
// section measured named as such.
//
//   npm run bench                          all sections
//   node bench/run.js --only remove        selected sections (comma-separated)
//   node bench/run.js --runs 3             runs per tool (default 5)
//   node bench/run.js --big-runs 2         runs of the 1M-entry case (default 1)
//   node bench/run.js --big-entries 200000 size of the wide directory
//   node bench/run.js --no-big             skip the 1M-entry case
//   node bench/run.js --list               list sections
//   section tempdir:
//     --tempdir-entries 100000   size of the large registry (default 100,000)
//     --tempdir-samples 40       calls per peer in each of --runs runs
//   section sweep:
//     --sweep-sizes 1000,10000   numbers of expired directories swept (3 files each)
//     --sweep-runs 3             runs of each size up to 1,000 (default 3)
//     --sweep-big-runs 1         runs of each size above 1,000 (default 1)
//   section registry:
//     --registry-entries 100000  entries for registered() and sweep({dryRun}) (3 runs each)
//     --list-entries 1000        entries for list() (--runs runs)
//   section rmtree:
//     --rmtree-dirs 100          directories in the tree (default 100)
//     --rmtree-files 1000        empty files in each (default 1,000)
//   section deep:
//     --deep-levels 10000        depth of the chain (default 10,000)
//   section store:
//     --store-entries 2000       entries on tmpfs (a tenth of it on the disk)
//   section cli:
//     --cli-runs 15              runs of each command (default 15)
//     --cli-entries 1000         tracked entries for `ephemdir list` / `path NAME`
//     --cli-profile              also profile the commands (automatic when over target)
//   The tempdir and registry sections share one 100,000-entry fixture per
//   process; all fixtures live in scratch folders under os.tmpdir().
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { collectTargets, targetLines, targetSummary } = require('./targets.js');

const SECTIONS = {
  remove: './remove.js',
  rmtree: './rmtree.js',
  deep: './deep.js',
  store: './store.js',
  tempdir: './tempdir.js',
  sweep: './sweep.js',
  registry: './registry.js',
  cli: './cli.js',
  presweep: './presweep.js',
};

function parseArgs(argv) {
  const opts = { only: null, runs: 5, bigRuns: 1, bigEntries: 1_000_000, noBig: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = () => {
      const n = Number(val());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      return n;
    };
    if (a === '--only' || a.startsWith('--only=')) opts.only = val().split(',').filter(Boolean);
    else if (a === '--runs' || a.startsWith('--runs=')) opts.runs = num();
    else if (a === '--big-runs' || a.startsWith('--big-runs=')) opts.bigRuns = num();
    else if (a === '--big-entries' || a.startsWith('--big-entries=')) opts.bigEntries = num();
    else if (a === '--no-big') opts.noBig = true;
    else if (a === '--tempdir-entries' || a.startsWith('--tempdir-entries=')) opts.tempdirEntries = num();
    else if (a === '--tempdir-samples' || a.startsWith('--tempdir-samples=')) opts.tempdirSamples = num();
    else if (a === '--sweep-sizes' || a.startsWith('--sweep-sizes=')) opts.sweepSizes = val().split(',').map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--sweep-sizes needs positive integers`);
      return n;
    });
    else if (a === '--sweep-runs' || a.startsWith('--sweep-runs=')) opts.sweepRuns = num();
    else if (a === '--sweep-big-runs' || a.startsWith('--sweep-big-runs=')) opts.sweepBigRuns = num();
    else if (a === '--registry-entries' || a.startsWith('--registry-entries=')) opts.registryEntries = num();
    else if (a === '--list-entries' || a.startsWith('--list-entries=')) opts.listEntries = num();
    else if (a === '--cli-runs' || a.startsWith('--cli-runs=')) opts.cliRuns = num();
    else if (a === '--cli-entries' || a.startsWith('--cli-entries=')) opts.cliEntries = num();
    else if (a === '--cli-profile') opts.cliProfile = true;
    else if (a === '--rmtree-dirs' || a.startsWith('--rmtree-dirs=')) opts.rmtreeDirs = num();
    else if (a === '--rmtree-files' || a.startsWith('--rmtree-files=')) opts.rmtreeFiles = num();
    else if (a === '--deep-levels' || a.startsWith('--deep-levels=')) opts.deepLevels = num();
    else if (a === '--store-entries' || a.startsWith('--store-entries=')) opts.storeEntries = num();
    else if (a === '--list') opts.list = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(2);
  }
  if (opts.list) {
    for (const [name, mod] of Object.entries(SECTIONS)) process.stdout.write(`${name}\t${require(mod).description ?? ''}\n`);
    return;
  }
  const names = opts.only ?? Object.keys(SECTIONS);
  const unknown = names.filter((n) => !SECTIONS[n]);
  if (unknown.length) {
    process.stderr.write(`bench: unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}\n`);
    process.exit(2);
  }
  const started = new Date();
  const report = {
    started: started.toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavg: os.loadavg(),
    options: opts,
    sections: {},
  };
  const targets = [];
  process.stdout.write(`ephemdir bench: node ${process.version}, ${report.platform}, ${report.cpus} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n\n`);
  for (const name of names) {
    const t0 = performance.now();
    const res = await require(SECTIONS[name]).run({ ...opts });
    const seconds = (performance.now() - t0) / 1000;
    report.sections[name] = { title: res.title, seconds, data: res.data };
    targets.push(...collectTargets(name, res));
    process.stdout.write(`== ${res.title} (${seconds.toFixed(0)} s)\n${res.text}\n\n`);
  }
  report.targets = targetSummary(targets);
  process.stdout.write(`== targets (ratios against the floor measured in the same run)\n${targetLines(targets).join('\n')}\n\n`);
  report.finished = new Date().toISOString();
  report.loadavgEnd = os.loadavg();
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`results: ${path.relative(process.cwd(), file)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
