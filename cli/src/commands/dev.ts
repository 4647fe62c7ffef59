import type { Command } from '../command.js';

// Placeholder while the dev command is being built; replaced by its implementation.
export const devCommand: Command = {
  name: 'dev',
  summary: '(in progress)',
  usage: 'eventpipe dev',
  run: async () => {
    throw new Error('eventpipe dev is not built yet');
  },
};
