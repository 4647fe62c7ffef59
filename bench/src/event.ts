/**
 * The benchmark's "realistic 1 KB event": a track call as analytics-node sends it, with browser
 * context and a handful of typed properties. Only the ids change between events.
 */
let counter = 0;

export function benchEvent(runId: string): Record<string, unknown> {
  counter += 1;
  const n = counter;
  return {
    type: 'track',
    messageId: `${runId}-${n}`,
    userId: `user-${n % 5000}`,
    anonymousId: `anon-${n % 20000}`,
    event: n % 3 === 0 ? 'Order Completed' : n % 3 === 1 ? 'Product Viewed' : 'Signed Up',
    timestamp: '2026-11-24T10:00:00.000Z',
    properties: {
      orderId: `order-${n}`,
      revenue: 129.99,
      currency: 'EUR',
      quantity: 3,
      coupon: 'WINTER26',
      products: [
        { sku: 'SKU-1001', name: 'Wool scarf', price: 39.99, quantity: 1 },
        { sku: 'SKU-2002', name: 'Leather gloves', price: 45, quantity: 2 },
      ],
      shipping: { method: 'express', country: 'DE' },
      firstPurchase: false,
    },
    context: {
      ip: '203.0.113.42',
      locale: 'de-DE',
      library: { name: 'analytics.js', version: '5.2.0' },
      page: {
        path: '/checkout/complete',
        referrer: 'https://www.google.com/',
        title: 'Thank you for your order',
        url: 'https://shop.example.com/checkout/complete?utm_source=newsletter&utm_medium=email&utm_campaign=winter',
      },
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    },
    sentAt: '2026-11-24T10:00:00.100Z',
  };
}
