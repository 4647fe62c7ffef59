import type { Command } from '../command.js';

/** Every subcommand, in the order `eventpipe --help` lists them. */
export const commands: Command[] = [];
