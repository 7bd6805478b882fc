// Log in, create a medal with an uploaded icon, find it in the list, archive it —
// with JavaScript on (the form's island: a preview that follows the name, tier and icon; a
// confirmation before archiving; no console errors) and off (plain forms, the same results).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PASSWORD, fixture, hydrated, launch, newPage, startServer } from './harness.mjs';

const SHOTS = process.env.E2E_SHOTS; // a folder to write screenshots to, when set

for (const js of [true, false]) {
  describe(`JavaScript ${js ? 'on' : 'off'}`, () => {
    let server, browser, context, page;
    before(async () => {
      server = await startServer();
      browser = await launch();
      ({ context, page } = await newPage(browser, { javaScriptEnabled: js }));
    });
    after(async () => {
      await context?.close();
      await browser?.close();
      await server?.stop();
    });

    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));
    const shot = async (name) => SHOTS && page.screenshot({ path: `${SHOTS}/${js ? 'js' : 'nojs'}-${name}.png`, fullPage: true });

    test('a page asked for without a session goes to the login page and comes back after it', async () => {
      await page.goto(`${server.base}/medals`);
      await settle();
      assert.match(page.url(), /\/login\?next=%2Fmedals$/);
      await assert.doesNotReject(page.getByLabel('用户名').waitFor());
      await assert.doesNotReject(page.getByLabel('密码').waitFor());

      await page.getByLabel('用户名').fill('admin');
      await page.getByLabel('密码').fill('wrong password');
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByText('用户名或密码不正确').waitFor();
      assert.equal(await page.getByLabel('用户名').inputValue(), 'admin', 'the username typed is kept');
      await shot('login-error');

      await page.getByLabel('密码').fill(PASSWORD);
      await page.getByRole('button', { name: '登录' }).click();
      await page.waitForURL(/\/medals$/);
      await settle();
      await page.getByRole('heading', { name: '勋章', exact: true }).waitFor();
    });

    test('create a medal with an uploaded icon', async () => {
      await page.goto(`${server.base}/medals/new`);
      await settle();
      // A bad submission first: the message shows next to the field and nothing is lost.
      await page.getByLabel('描述').fill('季度内带领团队完成关键项目');
      await page.getByRole('button', { name: '创建勋章' }).click();
      await page.locator('[data-field=name]').getByText('请填写名称').waitFor();
      assert.equal(await page.getByLabel('描述').inputValue(), '季度内带领团队完成关键项目');

      if (js) await settle();
      await page.getByLabel('名称').fill('攻坚先锋');
      await page.getByText('金', { exact: true }).click();
      await page.getByLabel('有效期（天）').fill('180');
      await page.getByText('上传图片').click();
      await page.locator('#icon_file').setInputFiles(fixture('icon.png'));
      if (js) {
        // The island's preview follows: the name typed, the gold ring, the chosen file itself.
        const preview = page.locator('.medal-form .preview');
        await preview.getByText('攻坚先锋').waitFor();
        await page.waitForFunction(() => document.querySelector('.medal-form .preview img').className.includes('ring-gold'));
        assert.match(await preview.locator('img').getAttribute('src'), /^blob:/);
      }
      await shot('new-medal');
      await page.getByRole('button', { name: '创建勋章' }).click();
      await page.waitForURL(/\/medals\/\d+$/);
      await settle();
      await page.getByRole('heading', { name: /攻坚先锋/ }).waitFor();
      await page.getByText('180 天').waitFor();
      const src = await page.locator('img.medal-icon').getAttribute('src');
      assert.match(src, /^\/icons\/[0-9a-f]{64}\.png$/);
      const icon = await page.request.get(`${server.base}${src}`);
      assert.equal(icon.status(), 200);
      assert.equal(icon.headers()['content-type'], 'image/png');
      await shot('medal-detail');
    });

    test('find it in the list, archive it, see it under archived', async () => {
      await page.goto(`${server.base}/medals`);
      await settle();
      await page.getByLabel('搜索名称').fill('攻坚');
      await page.getByRole('button', { name: '筛选' }).click();
      await page.waitForURL(/q=/);
      await settle();
      const tiles = page.locator('.medal-tile');
      await tiles.filter({ hasText: '攻坚先锋' }).waitFor();
      assert.equal(await tiles.count(), 1, 'only the searched medal is listed');
      await shot('list-search');

      await tiles.first().getByRole('link').click();
      await page.waitForURL(/\/medals\/\d+$/);
      await settle();
      const asked = page.dialogs || 0;
      await page.getByRole('button', { name: '归档' }).click();
      await page.getByRole('button', { name: '恢复' }).waitFor();
      await page.getByText('已归档').first().waitFor();
      // With JavaScript the island asked first (the harness answers yes); without, it just posts.
      assert.equal((page.dialogs || 0) - asked, js ? 1 : 0, 'confirmation before archiving');

      await page.goto(`${server.base}/medals?q=${encodeURIComponent('攻坚')}`);
      await settle();
      await page.getByText('没有符合条件的勋章').waitFor();
      await page.goto(`${server.base}/medals?status=archived`);
      await settle();
      await page.locator('.medal-tile.archived', { hasText: '攻坚先锋' }).waitFor();
      await shot('list-archived');
    });

    test('the language switch turns the labels into English and back', async () => {
      await page.goto(`${server.base}/medals/new`);
      await settle();
      await page.getByRole('link', { name: 'English' }).click();
      await page.waitForURL(/\/medals\/new$/);
      await settle();
      await page.getByLabel('Name', { exact: true }).waitFor();
      await page.getByLabel('Description').waitFor();
      await page.getByRole('link', { name: '中文' }).click();
      await page.waitForURL(/\/medals\/new$/);
      await page.getByLabel('名称').waitFor();
    });

    test('no console errors or uncaught exceptions', () => {
      assert.deepEqual(page.problems, []);
    });
  });
}
