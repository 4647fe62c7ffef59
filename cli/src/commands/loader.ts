import type { Command } from '../command.js';

// Placeholder while the loader command is being built; replaced by its implementation.
export const loaderCommand: Command = {
  name: 'loader',
  summary: '(in progress)',
  usage: 'eventpipe loader',
  run: async () => {
    throw new Error('eventpipe loader is not built yet');
  },
};
