// Loaded into a child process by test/api/crash.test.ts (never packed): with
// EPHEMDIR_CRASH_AT=<step> in the environment, the process kills itself with
// SIGKILL when the deletion protocol reaches that step. A crash is exactly
// what the protocol must survive; the package itself has no such switch.
import { setCrashHook } from '../../src/api/crash-points';

const at = process.env.EPHEMDIR_CRASH_AT;
if (at) {
  setCrashHook((step) => {
    if (step === at) process.kill(process.pid, 'SIGKILL');
  });
}
