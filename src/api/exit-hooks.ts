// Opt-in removal at process exit. On a normal exit the directories are
// removed synchronously. On SIGINT/SIGTERM/SIGHUP with no other listener,
// they are removed and the signal is re-raised, so the process still dies of
// it as it would have. If the application listens for that signal itself, it
// decides: nothing is removed then (it may keep running), and the 'exit' hook
// removes them when it does exit. process.exit is never called. SIGKILL and
// crashes are what the registry and lifetimes are for.
//
// "Listens" is judged from the listeners as they were when the signal
// arrived: a `process.once` wrapper removes itself before it runs, so a
// listener running after it would see an unhandled signal. Ours therefore
// runs first: it is prepended, and moved back to the front whenever another
// listener for a signal is added (a `prependListener` included).
type Remover = () => void;

const pending = new Map<string, Remover>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
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
  // Runs before every other listener of `signal`, so none has removed itself yet.
  if (process.listenerCount(signal) > 1) return; // the application handles it
  runAll();
  uninstall();
  process.kill(process.pid, signal);
}

function isOurSignal(event: string | symbol): event is NodeJS.Signals {
  return typeof event === 'string' && (SIGNALS as readonly string[]).includes(event);
}

/** Puts our listener back in front once the listener being added is in place. */
function onNewListener(event: string | symbol, listener: unknown): void {
  if (listener === onSignal || !isOurSignal(event)) return;
  // 'newListener' fires before the listener is added; a signal is delivered
  // from a later macrotask, so a microtask is in time.
  queueMicrotask(() => {
    if (!installed || process.rawListeners(event)[0] === onSignal) return;
    process.removeListener(event, onSignal);
    process.prependListener(event, onSignal);
  });
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  process.on('newListener', onNewListener);
  for (const s of SIGNALS) process.prependListener(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener('exit', runAll);
  process.removeListener('newListener', onNewListener);
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
