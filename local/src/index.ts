export { startNats, freePort, natsServerBinary, type NatsServer, type NatsOptions } from './nats.js';
export { findBinary, ensureDebianPackage } from './binaries.js';
export { startS3, S3RVER_CREDENTIALS, type S3Server, type S3Options } from './s3.js';
export { startPostgres, postgresBinDir, type PostgresServer, type PostgresOptions } from './postgres.js';
