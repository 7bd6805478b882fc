// "Tell the winners themselves" in the browser, with JavaScript on (the app robot's single
// chat) and off (a work notice): after the demo staff's userIds are looked up, 张伟 is awarded
// with the choice made; the award page says he will be told, and his 1:1 chat on /sim shows
// the message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hydrated, signedIn } from './harness.mjs';

for (const js of [true, false]) {
  describe(`tell the winner, JavaScript ${js ? 'on' : 'off'}`, () => {
    let session, server, page;
    before(async () => {
      session = await signedIn({ javaScriptEnabled: js });
      ({ server, page } = session);
    });
    after(async () => session?.stop());
    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));

    test('award with "tell the winner" and see the 1:1 message in /sim', async () => {
      const [channel, via] = js ? ['钉钉机器人单聊', '机器人单聊'] : ['钉钉工作通知', '工作通知'];
      await page.goto(`${server.base}/staff/userids`);
      await settle();
      await page.getByRole('button', { name: '开始批量查询（10 人）' }).click();
      await page.getByText('已完成').waitFor({ timeout: 30_000 });

      await page.goto(`${server.base}/awards/new?q=${encodeURIComponent('张伟')}`);
      await settle();
      await page.getByLabel('勋章', { exact: true }).selectOption({ label: '月度之星 · 金' });
      await page.getByRole('checkbox', { name: /张伟/ }).check();
      await page.getByLabel('理由', { exact: true }).fill('季度攻坚表现突出');
      await page.getByLabel('告诉获奖者本人').selectOption({ label: channel });
      await page.getByRole('button', { name: '颁发', exact: true }).click();
      await page.waitForURL(/\/awards\/\d+\?given=1&told=1&untold=0/);
      await settle();
      await page.getByText('已排队告诉 1 位获奖者本人').waitFor();
      await page.screenshot({ path: `/tmp/tell-${js ? 'js' : 'nojs'}.png`, fullPage: true });

      const chat = page.locator('.chat.person').filter({ has: page.getByRole('heading', { name: '张伟', exact: true }) });
      for (let i = 0; i < 30; i++) {
        await page.goto(`${server.base}/sim`);
        if (await chat.count()) break;
        await page.waitForTimeout(300);
      }
      await chat.getByText('恭喜你获得「月度之星」勋章').first().waitFor();
      await chat.getByText('季度攻坚表现突出').waitFor();
      await chat.getByText(via, { exact: true }).waitFor();
      await page.screenshot({ path: `/tmp/tell-sim-${js ? 'js' : 'nojs'}.png`, fullPage: true });
      const problems = page.problems.filter((p) => !(p.startsWith(`console at ${server.base}/sim`) && /status of 404/.test(p)));
      assert.deepEqual(problems, []);
    });
  });
}
