// What to tell a user when no native binary can be loaded: pure functions
// over what the loader found, so the error and `ephemdir doctor` say the same.

export interface Host {
  platform: string;
  arch: string;
  /** 'glibc' | 'musl' on Linux, null elsewhere (or when it cannot be told). */
  libc: string | null;
  abi: string;
}

export interface Refusal {
  /** Relative to the package folder. */
  file: string;
  reason: string;
}

/** The package manager that installed or runs us, as far as can be told. */
export interface PackageManager {
  name: 'npm' | 'pnpm' | 'yarn' | 'bun';
  major: number;
}

/** "linux-x64 (glibc)" */
export function hostTuple(host: Host): string {
  return `${host.platform}-${host.arch}${host.libc ? ` (${host.libc})` : ''}`;
}

/** The command that rebuilds ephemdir with this package manager, install-script approval included. */
export function rebuildCommand(pm: PackageManager | null): string {
  if (pm === null) {
    return 'npm install-scripts approve ephemdir && npm rebuild ephemdir (npm 12 and later, which block install scripts); `npm rebuild ephemdir` (npm 11 and earlier)';
  }
  switch (pm.name) {
    case 'npm':
      return pm.major >= 12
        ? 'npm install-scripts approve ephemdir && npm rebuild ephemdir (npm 12 blocks install scripts until approved)'
        : 'npm rebuild ephemdir';
    case 'pnpm':
      return pm.major >= 10 ? 'pnpm approve-builds (select ephemdir), then pnpm rebuild ephemdir' : 'pnpm rebuild ephemdir';
    case 'yarn':
      return 'yarn rebuild ephemdir (Yarn 2 and later), or npm rebuild ephemdir';
    case 'bun':
      return 'bun pm trust ephemdir';
  }
}

/** What compiling from source needs on this system, as the command that installs it. */
export function toolchainHint(host: Host): string {
  if (host.platform === 'darwin') return 'the Xcode command line tools (xcode-select --install) and python3';
  if (host.libc === 'musl') return 'python3, make and g++ (Alpine: apk add python3 make g++)';
  return 'python3, make and g++ (Debian/Ubuntu: apt-get install python3 make g++; Fedora/RHEL: dnf install python3 make gcc-c++)';
}

/** The fix, in one sentence. */
export function nativeFix(host: Host, pm: PackageManager | null): string {
  return `rebuild it from source with ${rebuildCommand(pm)}; compiling needs ${toolchainHint(host)}`;
}

/** What was tried and why each was refused (the error without its fix; `doctor` shows the fix as its hint). */
export function unavailableSummary(root: string, host: Host, node: string, tried: readonly Refusal[]): string {
  const list = tried.length ? tried.map((t) => `${t.file} (${t.reason})`).join('; ') : 'nothing (no binary in build/Release or prebuilds)';
  return `cannot load ephemdir's native addon for ${hostTuple(host)}, Node ${node}, in ${root}. Tried: ${list}.`;
}

/** The one message of EPHEMDIR_NATIVE_UNAVAILABLE. */
export function unavailableMessage(root: string, host: Host, node: string, tried: readonly Refusal[], pm: PackageManager | null): string {
  return `${unavailableSummary(root, host, node, tried)} Fix: ${nativeFix(host, pm)}`;
}

/** Parses `npm_config_user_agent` ("npm/12.2.2 node/v20.20.2 linux x64 ..."). */
export function packageManagerFromAgent(agent: string | undefined): PackageManager | null {
  const m = /^(npm|pnpm|yarn|bun)\/(\d+)\./.exec(agent ?? '');
  return m ? { name: m[1] as PackageManager['name'], major: Number(m[2]) } : null;
}
