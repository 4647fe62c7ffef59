import { hostname } from 'node:os';
import { createLogger, exportRegistry, loadConfig, startHealthServer } from '@eventpipe/core';
import type { Command } from '../command.js';
import { settingsHelp, untilSignal } from '../process.js';
import { operatorRenderCommand } from './operator-render.js';

/** `eventpipe operator <subcommand>`. */
const subcommands: Command[] = [operatorRenderCommand];

const usage = `Usage: eventpipe operator [<subcommand>]

Without a subcommand, runs the Kubernetes operator: reconciles every EventPipeline into collectors,
loaders, their Services, autoscalers and budgets, and the JetStream stream and consumer, and keeps
their status. It finds its cluster in-cluster (service account), else through KUBECONFIG or
~/.kube/config, keeps its leader-election Lease in POD_NAMESPACE (default "default"), and serves
/health/live, /health/ready and Prometheus /metrics on the health port. SIGTERM releases the Lease and stops it.

Subcommands:
${subcommands.map((c) => `  ${c.name.padEnd(8)}  ${c.summary}`).join('\n')}

Settings (environment variables):
${settingsHelp(['logLevel', 'operator'])}
  POD_NAMESPACE  the namespace of the Lease; POD_NAME  this replica's identity in it`;

/** The operator's image, when the chart does not say: pods would otherwise run nothing. */
const FALLBACK_IMAGE = 'eventpipe/eventpipe:0.1.0';

async function runOperator(): Promise<number> {
  const config = loadConfig(process.env);
  const log = createLogger('operator', config.logLevel);
  const signal = untilSignal();
  const { startOperator, loadKubeConfig } = await import('@eventpipe/operator');
  const settings = config.operator;
  const leaseNamespace = process.env.POD_NAMESPACE || 'default';
  const identity = process.env.POD_NAME || hostname();
  const operator = await startOperator({
    kubeConfig: loadKubeConfig(),
    log,
    image: settings.image ?? FALLBACK_IMAGE,
    watchNamespaces: settings.watchNamespaces,
    leaderElection: settings.leaderElection,
    leaseNamespace,
    leaseName: settings.leaseName,
    leaseDurationSeconds: settings.leaseDurationSeconds,
    identity,
  });
  const { registry } = operator.metrics;
  const unexport = exportRegistry(registry);
  // One port for the probes and the scrapes: the chart's ServiceMonitor reads /metrics on it.
  const health = await startHealthServer(
    '0.0.0.0',
    settings.healthPort,
    { notLive: () => undefined, notReady: () => (operator.isSynced() ? undefined : 'informers not synced') },
    registry,
  );
  log.info(
    { watchNamespaces: settings.watchNamespaces, leaseNamespace, identity, healthPort: settings.healthPort },
    'operator started',
  );
  const received = await signal;
  log.info({ signal: received }, 'stopping operator');
  await health.close();
  unexport();
  await operator.stop();
  return 0;
}

export const operatorCommand: Command = {
  name: 'operator',
  summary: 'the Kubernetes operator (or `operator render`: what it would apply, without a cluster)',
  usage,
  run: async ([name, ...rest]) => {
    if (name === undefined) return runOperator();
    const subcommand = subcommands.find((c) => c.name === name);
    if (!subcommand) {
      console.error(`eventpipe operator: unknown subcommand "${name ?? ''}"\n\n${usage}`);
      return 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(subcommand.usage);
      return 0;
    }
    return subcommand.run(rest);
  },
};
