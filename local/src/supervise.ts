/**
 * The supervisor every local server runs under (`node supervise.js <spec>`, spawned by
 * `spawnSupervised`): it starts the server as its child and makes sure the server never outlives the
 * process that started it, however that process ends. Node has no prctl(PR_SET_PDEATHSIG), and
 * neither nats-server nor PostgreSQL can watch a parent, so this process does it for them.
 *
 * Its stdin is a pipe from the starting process that is never written to: the kernel closes it when
 * that process is gone (exit, crash, kill -9), and then the server gets its stop signal, and the
 * whole process group a SIGKILL if it does not stop in time. The supervisor leads its own process
 * group (the starter spawns it detached), so a Ctrl-C in the terminal or a kill of the starter's
 * group reaches the starter alone, which stops its servers in order. SIGTERM, SIGINT and SIGQUIT are
 * forwarded to the server, and the supervisor exits with the server's exit code.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface SupervisorSpec {
  command: string;
  args: string[];
  /** Run the server as this user (root starting PostgreSQL). */
  uid?: number;
  gid?: number;
  /** Sent to the server when the starter is gone: the server's own clean, quick shutdown. */
  stopSignal: NodeJS.Signals;
  /** Then SIGKILL to the whole group after this long. */
  killAfterMs: number;
}

const spec = JSON.parse(process.argv[2] ?? '') as SupervisorSpec;
const server = spawn(spec.command, spec.args, {
  stdio: ['ignore', 'inherit', 'inherit'],
  ...(spec.uid === undefined ? {} : { uid: spec.uid, gid: spec.gid }),
});
server.once('error', (error) => {
  console.error(`could not start ${spec.command}: ${error.message}`);
  process.exit(127);
});
server.once('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) {
  process.on(signal, () => server.kill(signal));
}

let starterGone = false;
function onStarterGone(): void {
  if (starterGone) return;
  starterGone = true;
  server.kill(spec.stopSignal);
  setTimeout(() => process.kill(-process.pid, 'SIGKILL'), spec.killAfterMs);
}
process.stdin.on('end', onStarterGone).on('close', onStarterGone).on('error', onStarterGone).resume();
