// What a browser downloads to make /medals react, with a cold cache: the bytes received on the
// wire (Chrome's encodedDataLength, headers included) for the JS glue, the wasm and the CSS,
// and how they are served — brotli, content-hashed names cached as immutable, the HTML
// compressed on the fly. Prints the figures; fails above the budget (200 KB for JS + wasm).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hydrated, newPage, signedIn } from './harness.mjs';

const BUDGET = 200 * 1024;

describe('first load', () => {
  let session;
  before(async () => {
    session = await signedIn({ javaScriptEnabled: true });
  });
  after(async () => session?.stop());

  test('/medals with a cold cache: JS + wasm within the budget, precompressed and immutable', async () => {
    const { server, browser } = session;
    // a new context has an empty cache; it takes the session cookie of the signed-in one
    const { context, page } = await newPage(browser, { javaScriptEnabled: true });
    await context.addCookies(await session.context.cookies());
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const seen = new Map();
    cdp.on('Network.responseReceived', (e) => seen.set(e.requestId, { url: e.response.url, headers: e.response.headers, status: e.response.status }));
    cdp.on('Network.loadingFinished', (e) => { const r = seen.get(e.requestId); if (r) r.bytes = e.encodedDataLength; });
    await page.goto(`${server.base}/medals`);
    await hydrated(page);
    await page.waitForLoadState('networkidle');
    await context.close();

    const rows = [...seen.values()].filter((r) => r.bytes !== undefined);
    const header = (r, name) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
    const of = (re) => rows.filter((r) => re.test(new URL(r.url).pathname));
    const sum = (list) => list.reduce((n, r) => n + r.bytes, 0);
    const js = of(/\/pkg\/.*\.js$/), wasm = of(/\/pkg\/.*\.wasm$/), css = of(/\/pkg\/.*\.css$/);
    const html = rows.filter((r) => new URL(r.url).pathname === '/medals');
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    console.log(`first load of /medals (bytes received, cold cache): JS ${kb(sum(js))} + wasm ${kb(sum(wasm))} = ${kb(sum(js) + sum(wasm))}; CSS ${kb(sum(css))}; HTML ${kb(sum(html))}; all ${rows.length} responses ${kb(sum(rows))}`);

    assert.equal(js.length, 1, 'one JS file');
    assert.equal(wasm.length, 1, 'one wasm file');
    assert.equal(css.length, 1, 'one stylesheet');
    assert.ok(sum(js) + sum(wasm) <= BUDGET, `JS + wasm ${kb(sum(js) + sum(wasm))} over ${kb(BUDGET)}`);
    for (const r of [...js, ...wasm, ...css]) {
      assert.equal(r.status, 200, r.url);
      assert.equal(header(r, 'content-encoding'), 'br', `${r.url} precompressed (brotli)`);
      assert.match(new URL(r.url).pathname, /\/pkg\/medals\.[0-9a-f]{16}/, 'content-hashed name');
      assert.match(header(r, 'cache-control'), /max-age=31536000.*immutable/, `${r.url} immutable`);
    }
    assert.equal(html.length, 1);
    assert.match(header(html[0], 'content-encoding'), /^(br|gzip)$/, 'the page compressed on the fly');
  });
});
