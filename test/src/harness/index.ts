export { startNats, freePort, natsServerBinary, type NatsServer } from './nats.js';
export { findBinary, ensureDebianPackage } from './binaries.js';
