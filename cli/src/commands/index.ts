import type { Command } from '../command.js';
import { devCommand } from './dev.js';
import { collectorCommand } from './collector.js';
import { loaderCommand } from './loader.js';
import { sendCommand } from './send.js';
import { replayCommand } from './replay.js';

/** Every subcommand, in the order `eventpipe --help` lists them. */
export const commands: Command[] = [devCommand, collectorCommand, loaderCommand, sendCommand, replayCommand];
