// Opt-in removal at process exit. On a normal exit the directories are
// removed synchronously. On SIGINT/SIGTERM/SIGHUP with no other listener,
// they are removed and the signal is re-raised, so the process still dies of
// it as it would have. If the application listens for that signal itself, it
// decides: nothing is removed then (it may keep running), and the 'exit' hook
// removes them when it does exit. process.exit is never called. SIGKILL and
// crashes are what the registry and lifetimes are for.
type Remover = () => void;

const pending = new Map<string, Remover>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function runAll(): void {
  for (const [id, remove] of [...pending]) {
    pending.delete(id);
    try {
      remove();
    } catch {
      // best effort at exit: the registry keeps it for the next sweep
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // the application handles it
  runAll();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener('exit', runAll);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

export function removeAtExit(id: string, remove: Remover): void {
  pending.set(id, remove);
  install();
}

export function cancelAtExit(id: string): void {
  pending.delete(id);
  if (pending.size === 0) uninstall();
}
