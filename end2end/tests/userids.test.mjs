// DingTalk userIds by mobile in the browser, with JavaScript on and off: the bulk lookup from the
// staff list (demo mode: the simulator knows the demo staff, one of whom has left), its progress
// and the person it could not find; then one person's button.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hydrated, signedIn } from './harness.mjs';

for (const js of [true, false]) {
  describe(`userId lookup, JavaScript ${js ? 'on' : 'off'}`, () => {
    let session, server, page;
    before(async () => {
      session = await signedIn({ javaScriptEnabled: js });
      ({ server, page } = session);
    });
    after(async () => session?.stop());
    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));

    test('bulk lookup: progress, found, the one who left; one person again', async () => {
      await page.goto(`${server.base}/staff`);
      await settle();
      await page.getByRole('link', { name: '查询钉钉 userId' }).click();
      await page.waitForURL(/\/staff\/userids$/);
      await settle();
      await page.getByText('10 名在职员工有手机号、没有 userId').waitFor();
      await page.getByRole('button', { name: '开始批量查询（10 人）' }).click();
      // Live (JS) or by the page's own refresh (no JS).
      await page.getByText('已完成').waitFor({ timeout: 30_000 });
      await page.getByText('已查询 10 / 10：查到 9，未找到 1').waitFor();
      const miss = page.locator('table.userid-misses tbody tr');
      assert.equal(await miss.count(), 1);
      assert.match(await miss.innerText(), /吴婷[\s\S]*13800138010[\s\S]*不在本组织中/);
      await page.screenshot({ path: `/tmp/userids-${js ? 'js' : 'nojs'}.png`, fullPage: true });

      await miss.getByRole('link', { name: '吴婷' }).click();
      await page.waitForURL(/\/staff\/\d+$/);
      await settle();
      await page.getByText('查询未找到').waitFor();
      await page.getByText('不在本组织中').first().waitFor();

      // 张伟 was found; asking again keeps the same userId.
      await page.goto(`${server.base}/staff?q=${encodeURIComponent('张伟')}`);
      await settle();
      await page.getByRole('link', { name: '张伟' }).click();
      await page.waitForURL(/\/staff\/\d+$/);
      await settle();
      const uid = await page.locator('dd.userid-fact .userid-value').innerText();
      assert.ok(uid && uid !== '—', `a userId is shown: ${uid}`);
      await page.getByText('从钉钉查到').waitFor();
      await page.getByRole('button', { name: '按手机号重新查询' }).click();
      await page.getByText(`已从钉钉查到 userId：${uid}`).waitFor();
      assert.equal(await page.locator('dd.userid-fact .userid-value').innerText(), uid);
      assert.deepEqual(page.problems, []);
    });
  });
}
