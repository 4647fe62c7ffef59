/**
 * s3rver in a process of its own: in the bench process it would share an event loop with autocannon
 * and the pollers, and the loader's staging would be timed against a starved S3. Prints
 * `ready <url>` on stdout once it serves; SIGTERM stops it and removes its temp dir.
 *
 *   node servers/s3.js <port>
 */
import { startS3 } from '@eventpipe/local';

const s3 = await startS3({ port: Number(process.argv[2]) });
process.once('SIGTERM', () => {
  void s3.dispose().then(() => process.exit(0));
});
process.stdout.write(`ready ${s3.url}\n`);
