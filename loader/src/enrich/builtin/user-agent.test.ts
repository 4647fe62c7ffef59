/** Real User-Agent strings of current browsers, devices and crawlers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUserAgent, userAgent } from './user-agent.js';
import { envelopeOf } from '../test-envelope.js';

/** Expected columns without the `context_user_agent_` prefix; absent means "no column". */
const CASES: Array<[label: string, ua: string, expected: Record<string, unknown>]> = [
  [
    'Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    {
      browser_name: 'Chrome',
      browser_version: '131.0.0.0',
      engine_name: 'Blink',
      os_name: 'Windows',
      os_version: 'NT 10.0',
      device_type: 'desktop',
      is_bot: false,
    },
  ],
  [
    'Edge on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70',
    {
      browser_name: 'Microsoft Edge',
      browser_version: '131.0.2903.70',
      engine_name: 'Blink',
      os_name: 'Windows',
      os_version: 'NT 10.0',
      device_type: 'desktop',
      is_bot: false,
    },
  ],
  [
    'Firefox on Linux',
    'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    {
      browser_name: 'Firefox',
      browser_version: '133.0',
      engine_name: 'Gecko',
      os_name: 'Linux',
      device_type: 'desktop',
      is_bot: false,
    },
  ],
  [
    'Safari on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    {
      browser_name: 'Safari',
      browser_version: '18.1',
      engine_name: 'WebKit',
      os_name: 'macOS',
      os_version: '10.15.7',
      device_type: 'desktop',
      device_vendor: 'Apple',
      is_bot: false,
    },
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    {
      browser_name: 'Safari',
      browser_version: '18.1',
      engine_name: 'WebKit',
      os_name: 'iOS',
      os_version: '18.1',
      device_type: 'mobile',
      device_vendor: 'Apple',
      device_model: 'iPhone',
      is_bot: false,
    },
  ],
  [
    'Chrome on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
    {
      browser_name: 'Chrome',
      browser_version: '131.0.6778.73',
      engine_name: 'WebKit',
      os_name: 'iOS',
      os_version: '17.6',
      device_type: 'mobile',
      device_vendor: 'Apple',
      device_model: 'iPhone',
      is_bot: false,
    },
  ],
  [
    'Safari on iPad',
    'Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1',
    {
      browser_name: 'Safari',
      browser_version: '17.7',
      engine_name: 'WebKit',
      os_name: 'iOS',
      os_version: '17.7',
      device_type: 'tablet',
      device_vendor: 'Apple',
      device_model: 'iPad',
      is_bot: false,
    },
  ],
  [
    'Chrome on Android, reduced UA (model "K" is no model)',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    {
      browser_name: 'Chrome',
      browser_version: '131.0.0.0',
      engine_name: 'Blink',
      os_name: 'Android',
      os_version: '10',
      device_type: 'mobile',
      is_bot: false,
    },
  ],
  [
    'Facebook in-app browser on a Samsung Galaxy S23 Ultra',
    'Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.81 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.57.107;]',
    {
      browser_name: 'Chrome',
      browser_version: '131.0.6778.81',
      engine_name: 'Blink',
      os_name: 'Android',
      os_version: '14',
      device_type: 'mobile',
      device_model: 'SM-S918B',
      is_bot: false,
    },
  ],
  [
    'Samsung Internet',
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    {
      browser_name: 'Samsung Internet for Android',
      browser_version: '26.0',
      engine_name: 'Blink',
      os_name: 'Android',
      os_version: '14',
      device_type: 'mobile',
      device_model: 'SAMSUNG SM-S918B',
      is_bot: false,
    },
  ],
  [
    'Firefox on Android',
    'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0',
    {
      browser_name: 'Firefox',
      browser_version: '133.0',
      engine_name: 'Gecko',
      os_name: 'Android',
      os_version: '14',
      device_type: 'mobile',
      is_bot: false,
    },
  ],
  [
    'Android tablet (Galaxy Tab S9)',
    'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    {
      browser_name: 'Chrome',
      browser_version: '131.0.0.0',
      engine_name: 'Blink',
      os_name: 'Android',
      os_version: '13',
      device_type: 'tablet',
      device_model: 'SM-X710',
      is_bot: false,
    },
  ],
  [
    'a phone brand with "bot" in its name is not a bot',
    'Mozilla/5.0 (Linux; Android 13; CUBOT KINGKONG 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    {
      browser_name: 'Chrome',
      browser_version: '131.0.0.0',
      engine_name: 'Blink',
      os_name: 'Android',
      os_version: '13',
      device_type: 'mobile',
      device_model: 'CUBOT KINGKONG 9',
      is_bot: false,
    },
  ],
  [
    'Googlebot',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    {
      browser_name: 'Googlebot',
      browser_version: '2.1',
      device_type: 'bot',
      device_vendor: 'Google',
      is_bot: true,
    },
  ],
  [
    'bingbot',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    {
      browser_name: 'BingCrawler',
      browser_version: '2.0',
      device_type: 'bot',
      device_vendor: 'Bing',
      is_bot: true,
    },
  ],
  [
    'GPTBot',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
    {
      browser_name: 'GPTBot',
      browser_version: '1.2',
      engine_name: 'Blink',
      device_type: 'bot',
      device_vendor: 'OpenAI',
      is_bot: true,
    },
  ],
];

for (const [label, ua, expected] of CASES) {
  test(`user-agent: ${label}`, () => {
    const prefixed = Object.fromEntries(
      Object.entries(expected).map(([k, v]) => [`context_user_agent_${k}`, v]),
    );
    assert.deepEqual(parseUserAgent(ua), prefixed);
  });
}

test('user-agent: crawlers and HTTP clients bowser does not name are still flagged as bots', () => {
  for (const ua of [
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)',
    'curl/8.5.0',
    'python-requests/2.32.3',
  ]) {
    assert.equal(parseUserAgent(ua).context_user_agent_is_bot, true, ua);
  }
});

test('user-agent: reads context.userAgent first, then the request header; none → no fields', async () => {
  const run = await userAgent.create({ cacheSize: 10 });
  const chrome = CASES[0]![1];
  const firefox = CASES[2]![1];
  const fromContext = run(envelopeOf({ context: { userAgent: firefox } }, { userAgent: chrome }), {
    fields: {},
  });
  assert.equal(fromContext?.context_user_agent_browser_name, 'Firefox');
  const fromHeader = run(envelopeOf({}, { userAgent: chrome }), { fields: {} });
  assert.equal(fromHeader?.context_user_agent_browser_name, 'Chrome');
  assert.equal(run(envelopeOf({}), { fields: {} }), undefined);
});

test('user-agent: a hostile 256 KB User-Agent is parsed in bounded time and keyed by what was parsed', async () => {
  // `Android 1; x Build/x Build/…` makes the Android-model pattern backtrack quadratically: 48 KB of
  // it took ≈ 300 ms before the cap, so 256 KB would take seconds. The bound leaves a wide margin for
  // a busy machine; a capped parse takes well under a millisecond.
  const hostile = 'Mozilla/5.0 (Linux; Android 1; ' + 'x Build/'.repeat(32 * 1024);
  const started = performance.now();
  const fields = parseUserAgent(hostile);
  const elapsedMs = performance.now() - started;
  assert.ok(elapsedMs < 150, `parsing took ${elapsedMs.toFixed(0)} ms`);
  assert.equal(fields.context_user_agent_os_name, 'Android');

  // Two hostile User-Agents that differ only past the cap are one cache entry.
  const run = await userAgent.create({ cacheSize: 10 });
  const first = run(envelopeOf({}, { userAgent: hostile + 'a' }), { fields: {} });
  const second = run(envelopeOf({}, { userAgent: hostile + 'b' }), { fields: {} });
  assert.equal(first, second);
});
