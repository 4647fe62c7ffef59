import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startNats } from '@eventpipe/local';

test('harness starts a JetStream nats-server that keeps its stream across a restart', async () => {
  const nats = await startNats();
  try {
    let nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'T', subjects: ['t.>'] });
    await jetstream(nc).publish('t.a', 'one', { msgID: 'm1' });
    await nc.close();

    await nats.stop();
    await nats.start();

    nc = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(nc)).streams.info('T');
    assert.equal(info.state.messages, 1);
    await nc.close();
  } finally {
    await nats.dispose();
  }
});
