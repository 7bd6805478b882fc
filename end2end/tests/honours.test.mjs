// Publishing a medal to DingTalk's organisation honours in the browser, with JavaScript on and
// off (demo mode): after the userId lookup, 月度之星 is published with 张伟 as the sender (a
// mistake first: an 11-character name), then awarded to 王芳; her award page says it was
// granted in DingTalk, and /sim lists the honour with her as its holder.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hydrated, signedIn } from './harness.mjs';

for (const js of [true, false]) {
  describe(`publish to DingTalk honours, JavaScript ${js ? 'on' : 'off'}`, () => {
    let session, server, page;
    before(async () => {
      session = await signedIn({ javaScriptEnabled: js });
      ({ server, page } = session);
    });
    after(async () => session?.stop());
    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));

    test('publish a medal, award it, see the grant', async () => {
      await page.goto(`${server.base}/staff/userids`);
      await settle();
      await page.getByRole('button', { name: '开始批量查询（10 人）' }).click();
      await page.getByText('已完成').waitFor({ timeout: 30_000 });

      await page.goto(`${server.base}/medals`);
      await settle();
      await page.getByRole('link', { name: '月度之星' }).first().click();
      await page.waitForURL(/\/medals\/\d+$/);
      await settle();
      const medalUrl = page.url();
      assert.equal(await page.getByLabel(/^荣誉名称/).inputValue(), '月度之星', 'prefilled from the medal');
      await page.getByLabel(/^荣誉名称/).fill('月度之星月度之星月度之');
      await page.getByLabel(/^颁发人/).fill('13800138001');
      await page.getByRole('button', { name: '发布到钉钉组织荣誉' }).click();
      await page.getByText(/荣誉名称 1–10 个字/).waitFor();
      await page.getByLabel(/^荣誉名称/).fill('月度之星');
      await page.getByLabel(/^颁发人/).fill('13800138001');
      await page.getByLabel('背景色').selectOption('#BFDFFF');
      await page.getByRole('button', { name: '发布到钉钉组织荣誉' }).click();
      await page.getByText('已发布到钉钉组织荣誉').waitFor();
      await page.screenshot({ path: `/tmp/honour-medal-${js ? 'js' : 'nojs'}.png`, fullPage: true });

      const medalId = medalUrl.match(/\/medals\/(\d+)/)[1];
      await page.goto(`${server.base}/awards/new?medal=${medalId}&q=${encodeURIComponent('王芳')}`);
      await settle();
      await page.getByRole('checkbox', { name: /王芳/ }).check();
      await page.getByLabel('理由', { exact: true }).fill('季度目标超额完成');
      await page.getByRole('button', { name: '颁发', exact: true }).click();
      await page.waitForURL(/\/awards\/\d+\?given=1/);
      const awardUrl = page.url();
      for (let i = 0; i < 30; i++) {
        await page.goto(awardUrl);
        await settle();
        if (await page.getByText('已在钉钉组织荣誉中授予').count()) break;
        await page.waitForTimeout(300);
      }
      await page.getByText('已在钉钉组织荣誉中授予').waitFor();
      await page.goto(`${server.base}/sim`);
      const honour = page.locator('.honour').filter({ has: page.getByRole('heading', { name: '月度之星' }) });
      await honour.getByText('王芳').waitFor();
      await page.screenshot({ path: `/tmp/honour-sim-${js ? 'js' : 'nojs'}.png`, fullPage: true });
      const problems = page.problems.filter((p) => !(p.startsWith(`console at ${server.base}/sim`) && /status of 404/.test(p)));
      assert.deepEqual(problems, []);
    });
  });
}
