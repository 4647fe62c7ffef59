/** A subcommand of the `eventpipe` executable. Each lives in its own file under commands/. */
export interface Command {
  name: string;
  summary: string;
  /** Full help text: usage, options, and the EVENTPIPE_* variables it reads. */
  usage: string;
  /** Resolves with the exit code when the command is done (servers resolve on shutdown). */
  run(argv: string[]): Promise<number>;
}
