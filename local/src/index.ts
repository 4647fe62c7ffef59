export { startNats, freePort, natsServerBinary, type NatsServer, type NatsOptions } from './nats.js';
export { findBinary, ensureDebianPackage } from './binaries.js';
