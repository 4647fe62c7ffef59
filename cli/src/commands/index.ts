import type { Command } from '../command.js';
import { devCommand } from './dev.js';
import { collectorCommand } from './collector.js';
import { loaderCommand } from './loader.js';
import { sendCommand } from './send.js';
import { replayCommand } from './replay.js';
import { deadLetterCommand } from './dead-letter.js';
import { operatorCommand } from './operator.js';
import { consoleCommand } from './console.js';

/**
 * Every subcommand, in the order `eventpipe --help` lists them. Each imports its component inside
 * `run()`, so a process loads only what it runs: the collector image does not pay, in start-up time
 * and memory, for the loader's S3 client, PostgreSQL driver and GeoIP database.
 */
export const commands: Command[] = [
  devCommand,
  collectorCommand,
  loaderCommand,
  sendCommand,
  replayCommand,
  deadLetterCommand,
  consoleCommand,
  operatorCommand,
];
