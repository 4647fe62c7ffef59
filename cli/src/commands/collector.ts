import type { Command } from '../command.js';

// Placeholder while the collector command is being built; replaced by its implementation.
export const collectorCommand: Command = {
  name: 'collector',
  summary: '(in progress)',
  usage: 'eventpipe collector',
  run: async () => {
    throw new Error('eventpipe collector is not built yet');
  },
};
