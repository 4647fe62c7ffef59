import type { Command } from '../command.js';
import { operatorRenderCommand } from './operator-render.js';

/** `eventpipe operator <subcommand>`. */
const subcommands: Command[] = [operatorRenderCommand];

const usage = `Usage: eventpipe operator <subcommand>

Subcommands:
${subcommands.map((c) => `  ${c.name.padEnd(8)}  ${c.summary}`).join('\n')}`;

export const operatorCommand: Command = {
  name: 'operator',
  summary: 'the Kubernetes operator: render what it would apply for an EventPipeline',
  usage,
  run: async ([name, ...rest]) => {
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
