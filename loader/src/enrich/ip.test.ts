import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anonymizeIp, isPublicIp, parseIp } from './ip.js';

test('parseIp: IPv4, IPv6, IPv4-mapped IPv6, zone ids, and not-an-address', () => {
  assert.deepEqual(parseIp('81.2.69.142'), { family: 4, address: '81.2.69.142' });
  assert.deepEqual(parseIp(' 2001:db8::1 '), { family: 6, address: '2001:db8::1' });
  assert.deepEqual(parseIp('::ffff:81.2.69.142'), { family: 4, address: '81.2.69.142' });
  assert.deepEqual(parseIp('fe80::1%eth0'), { family: 6, address: 'fe80::1' });
  for (const bad of ['', 'localhost', '1.2.3', '1.2.3.4, 5.6.7.8', '256.1.1.1', '2001:::1']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('isPublicIp: private, loopback, link-local, CGNAT, documentation ranges are not public', () => {
  const verdict = (text: string): boolean => isPublicIp(parseIp(text)!);
  for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '169.254.1.1']) {
    assert.equal(verdict(ip), false, ip);
  }
  for (const ip of [
    '100.64.0.1',
    '192.0.2.10',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '2001:db8::5',
  ]) {
    assert.equal(verdict(ip), false, ip);
  }
  for (const ip of ['8.8.8.8', '172.32.0.1', '81.2.69.142', '2001:4860:4860::8888', '2a02:cf40::1']) {
    assert.equal(verdict(ip), true, ip);
  }
});

test('anonymizeIp: zeroes the last IPv4 octet and the last 80 bits of IPv6', () => {
  const anon = (text: string): string => anonymizeIp(parseIp(text)!);
  assert.equal(anon('81.2.69.142'), '81.2.69.0');
  assert.equal(anon('::ffff:81.2.69.142'), '81.2.69.0');
  assert.equal(anon('2001:4860:4860::8888'), '2001:4860:4860::');
  assert.equal(anon('2a02:cf40:1234:5678:9abc:def0:1234:5678'), '2a02:cf40:1234::');
  assert.equal(anon('2001:db8::'), '2001:db8::');
  assert.equal(anon('::1'), '::');
  assert.equal(anon('64:ff9b::192.0.2.33'), '64:ff9b::');
  assert.equal(anon('2001:0DB8:00AB:0001:0000:0000:0000:0001'), '2001:db8:ab::');
});
