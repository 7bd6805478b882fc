// Sharing in the browser, with JavaScript on and off: a medal is awarded with "share after
// awarding" ticked, and the award is shared to two of the demo groups with a personal message; the progress view reaches "已发送 2 / 2" by itself (live with JavaScript, by
// its refresh without), and both cards are on the simulator's /sim page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hydrated, signedIn } from './harness.mjs';

for (const js of [true, false]) {
  describe(`sharing, JavaScript ${js ? 'on' : 'off'}`, () => {
    let session, server, browser, page;
    before(async () => {
      session = await signedIn({ javaScriptEnabled: js });
      ({ server, browser, page } = session);
    });
    after(async () => session?.stop());
    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));

    test('share an award to two groups with a message; see it sent and on /sim', async () => {
      const message = js ? '继续加油，JS 开' : '继续加油，JS 关';
      await page.goto(`${server.base}/groups`);
      await settle();
      await page.getByRole('link', { name: '研发部' }).waitFor();
      await page.goto(`${server.base}/awards/new?q=${encodeURIComponent('张伟')}`);
      await settle();
      await page.getByLabel('勋章', { exact: true }).selectOption({ label: '月度之星 · 金' });
      await page.getByRole('checkbox', { name: /张伟/ }).check();
      await page.getByLabel('理由', { exact: true }).fill('代码评审认真细致');
      await page.getByLabel('颁发后分享到钉钉群').check();
      await page.getByRole('button', { name: '颁发', exact: true }).click();
      await page.waitForURL(/\/shares\/new\?awards=\d+/);
      const shareUrl = page.url();
      await settle();
      await page.getByText('代码评审认真细致').first().waitFor();
      if (js) {
        // The group search narrows the list as it is typed.
        await page.getByLabel('搜索群').fill('研发');
        await page.getByLabel(/市场部/).waitFor({ state: 'hidden' });
        assert.ok(await page.getByLabel(/研发部/).isVisible());
        await page.getByLabel('搜索群').fill('');
        await page.getByLabel(/市场部/).waitFor();
      }
      await page.getByLabel(/研发部/).check();
      await page.getByLabel(/市场部/).check();
      await page.getByLabel('寄语').fill(message);
      if (js) {
        // The preview follows what is typed, drawn as the simulator draws cards.
        await page.locator('.dt-preview').getByText(message).waitFor();
        await page.locator('.dt-preview').getByText('查看详情').waitFor();
      }
      await page.getByRole('button', { name: '分享', exact: true }).click();
      await page.waitForURL(/\/shares\?request=/);
      await page.getByText('已发送 2 / 2', { exact: false }).waitFor({ timeout: 30_000 });
      // with JavaScript the progress reaches 2 / 2 first, then the page reloads to show the rows
      await page.locator('[data-status=sent]').nth(1).waitFor({ state: 'attached', timeout: 30_000 });
      assert.equal(await page.locator('[data-status=sent]').count(), 2);
      // Every image and link the cards use resolves.
      const missing = [];
      page.on('response', (r) => r.status() === 404 && missing.push(new URL(r.url()).pathname));
      await page.goto(`${server.base}/sim`);
      for (const group of ['研发部', '市场部']) {
        const column = page.locator('.chat').filter({ has: page.getByRole('heading', { name: group, exact: true }) });
        await column.getByText(message).waitFor();
      }
      const everyone = page.locator('.chat').filter({ has: page.getByRole('heading', { name: '全员群', exact: true }) });
      assert.equal(await everyone.getByText(message).count(), 0, 'not sent to a group that was not chosen');
      await page.waitForLoadState('networkidle');
      assert.deepEqual(missing, [], 'card images and links resolve');
      // Sharing the same award into 研发部 again: the form marks the group, a plain submit is
      // refused with when it went, and "share again anyway" sends it.
      await page.goto(shareUrl);
      await settle();
      const dev = page.locator('.group-checks label').filter({ hasText: '研发部' });
      await dev.locator('.shared-before').waitFor();
      await dev.getByRole('checkbox').check();
      await page.getByRole('button', { name: '分享', exact: true }).click();
      await page.getByText(/「研发部」已于 .* 收到过/).first().waitFor();
      await page.locator('.group-checks label').filter({ hasText: '研发部' }).getByRole('checkbox').check();
      await page.getByLabel(/仍然再次分享/).check();
      await page.getByRole('button', { name: '分享', exact: true }).click();
      await page.waitForURL(/\/shares\?request=/);
      await page.getByText('已发送 1 / 1', { exact: false }).waitFor({ timeout: 30_000 });
      // Chromium asks for /favicon.ico itself (not a page response, so not in `missing`).
      const problems = page.problems.filter((p) => !(p.startsWith(`console at ${server.base}/sim`) && /status of 404/.test(p)));
      assert.deepEqual(problems, []);
    });
  });
}
