// Mounting for tests: tmpfs and bind mounts that are always unmounted when
// the test ends (`using m = new Mounts()` after the scratch folder, or
// withMounts). Mount points are unmounted before anything deletes the
// scratch tree: GNU `rm --one-file-system` (what scratch cleanup uses)
// compares st_dev only, so it descends into a bind mount of a directory on
// the same filesystem and empties it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return { ok: false, out: r.error.message };
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

let probed: string | null | undefined;

/**
 * Null when this process can mount, else the reason it cannot (for t.skip).
 * Probes once by mounting and unmounting a 1 MiB tmpfs.
 */
export function mountUnavailable(): string | null {
  if (probed !== undefined) return probed;
  if (process.platform !== 'linux') return (probed = `mount tests are Linux-only (this is ${process.platform})`);
  if (process.geteuid?.() !== 0) return (probed = 'mounting needs root (CAP_SYS_ADMIN)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-mountprobe-'));
  try {
    const m = run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'ephemdir-probe', dir]);
    if (!m.ok) return (probed = `cannot mount a tmpfs: ${m.out || 'mount failed'}`);
    const u = run('umount', [dir]);
    if (!u.ok) {
      run('umount', ['-l', dir]);
      return (probed = `cannot unmount a probe tmpfs: ${u.out}`);
    }
    return (probed = null);
  } finally {
    fs.rmdirSync(dir);
  }
}

/** True when `p` is currently a mount point (per /proc/self/mountinfo). */
export function isMountPoint(p: string): boolean {
  const real = fs.realpathSync(p);
  const info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  // field 5 is the mount point, with spaces etc. octal-escaped
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return info.split('\n').some((line) => line.split(' ')[4] !== undefined && unescape(line.split(' ')[4]!) === real);
}

/**
 * A set of mounts made by one test. `cleanup()` unmounts them in reverse
 * order (lazily if a plain umount fails) and throws if any stays mounted.
 */
export class Mounts implements Disposable {
  readonly #points: string[] = [];

  tmpfs(target: string, options = 'size=4m,mode=0755'): void {
    fs.mkdirSync(target, { recursive: true });
    const r = run('mount', ['-t', 'tmpfs', '-o', options, 'ephemdir-test', target]);
    if (!r.ok) throw new Error(`mount tmpfs on ${target} failed: ${r.out}`);
    this.#points.push(target);
  }

  bind(source: string, target: string): void {
    fs.mkdirSync(target, { recursive: true });
    const r = run('mount', ['--bind', source, target]);
    if (!r.ok) throw new Error(`bind mount ${source} on ${target} failed: ${r.out}`);
    this.#points.push(target);
  }

  get points(): readonly string[] {
    return this.#points;
  }

  cleanup(): void {
    const stuck: string[] = [];
    while (this.#points.length > 0) {
      const p = this.#points.pop()!;
      if (run('umount', [p]).ok) continue;
      const lazy = run('umount', ['-l', p]);
      if (!lazy.ok && fs.existsSync(p) && isMountPoint(p)) stuck.push(`${p}: ${lazy.out}`);
    }
    if (stuck.length > 0) throw new Error(`could not unmount: ${stuck.join('; ')}`);
  }

  [Symbol.dispose](): void {
    this.cleanup();
  }
}

/** Runs `fn` with a fresh Mounts set, always unmounting afterwards. */
export async function withMounts<T>(fn: (m: Mounts) => T | Promise<T>): Promise<T> {
  using m = new Mounts();
  return await fn(m);
}
