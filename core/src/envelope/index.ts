/** The envelope: its type, its JSON encoding, its decoding and validation, and its JetStream id. */
export * from './types.js';
export { encodeEnvelope } from './encode.js';
export { decodeEnvelope, type DecodedEnvelope } from './decode.js';
export { natsMessageId } from './message-id.js';
