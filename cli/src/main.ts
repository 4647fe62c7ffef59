/**
 * `eventpipe <command>`: one executable (and one container image) for every process of the pipeline.
 */
import { commands } from './commands/index.js';

const FAILED_EXIT_GRACE_MS = 2_000;

/**
 * On Node 20 the AWS SDK prints a nine-line warning (its releases after January 2027 need Node 22)
 * from every command that touches S3, burying what the command prints. Node 20 is supported with
 * the SDK versions locked here (see the README), so the CLI turns off that one warning through the
 * SDK's own switch, unless the user has set it; every other warning still shows.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    'eventpipe: Segment-compatible analytics events into PostgreSQL and Redshift, through NATS JetStream and S3.',
    '',
    'Usage: eventpipe <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "eventpipe <command> --help" for its options. Settings come from EVENTPIPE_* environment variables.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 1 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`eventpipe: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Config errors and the like are for humans: print the message, not a stack.
    const e = error as Error;
    console.error(`eventpipe: ${e.name === 'ConfigError' ? e.message : (e.stack ?? String(e))}`);
    process.exitCode = 1;
    // A failed command has stopped what it started; should anything still hold the event loop
    // open, the process must end anyway, and soon, rather than hang with an error on the screen.
    setTimeout(() => process.exit(1), FAILED_EXIT_GRACE_MS).unref();
  },
);
