import type { Command } from '../command.js';

// Placeholder while the send command is being built; replaced by its implementation.
export const sendCommand: Command = {
  name: 'send',
  summary: '(in progress)',
  usage: 'eventpipe send',
  run: async () => {
    throw new Error('eventpipe send is not built yet');
  },
};
