import type { Command } from '../command.js';

// Placeholder while the replay command is being built; replaced by its implementation.
export const replayCommand: Command = {
  name: 'replay',
  summary: '(in progress)',
  usage: 'eventpipe replay',
  run: async () => {
    throw new Error('eventpipe replay is not built yet');
  },
};
