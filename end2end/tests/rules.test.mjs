// Automatic medals in the browser, JavaScript on and off, in the demo: look up userIds, sync
// attendance from the simulator (张伟 on a 29-day streak), make the "连续打卡30天" rule and dry-run
// it (nobody yet, 张伟 one day to go), save it; 张伟 clocks in today, the next sync gives him the
// medal, its award page names the rule, and its card arrives in the group on /sim.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hydrated, signedIn } from './harness.mjs';

const shots = process.env.E2E_SHOTS;
const DAY = 86_400_000;
const CHINA = 8 * 3_600_000;

for (const js of [true, false]) {
  describe(`rules, JavaScript ${js ? 'on' : 'off'}`, () => {
    let session, server, page;
    before(async () => {
      session = await signedIn({ javaScriptEnabled: js });
      ({ server, page } = session);
    });
    after(async () => session?.stop());
    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));
    const shot = async (name) => shots && page.screenshot({ path: join(shots, `rules-${name}-${js ? 'js' : 'nojs'}.png`), fullPage: true });
    /// Starts a sync on /attendance and reloads until it says it finished.
    const sync = async () => {
      await page.goto(`${server.base}/attendance`);
      await settle();
      await page.getByRole('button', { name: '立即同步' }).click();
      await page.waitForURL(/\/attendance/);
      for (let i = 0; i < 60; i++) {
        await page.goto(`${server.base}/attendance`);
        const state = await page.locator('.attendance-job h2 .tag').innerText();
        if (state === '已完成') return;
        assert.doesNotMatch(state, /中断|停止|取消/, `the sync ended: ${state}`);
        await page.waitForTimeout(500);
      }
      assert.fail('the attendance sync did not finish');
    };

    test('a 30-days-in-a-row rule: dry run, sync, the medal, its card on /sim', async () => {
      await page.goto(`${server.base}/staff/userids`);
      await settle();
      await page.getByRole('button', { name: /开始批量查询/ }).click();
      await page.getByText('已完成').waitFor({ timeout: 30_000 });
      await sync();
      await page.getByText(/出勤 \d+ 人天/).first().waitFor();
      await shot('attendance');

      await page.goto(`${server.base}/rules`);
      await settle();
      await page.getByLabel('规则名称').fill('连续打卡30天');
      const medal = await page.locator('#rule-medal option').filter({ hasText: '全勤达人' }).getAttribute('value');
      await page.locator('#rule-medal').selectOption(medal);
      await page.getByLabel('指标').fill('attendance');
      await page.getByLabel('连续 N 天（每天的值大于 0）').check();
      await page.getByLabel('N（天数或累计值）').fill('30');
      await page.locator('label.check', { hasText: '研发部' }).locator('input').check();
      await page.getByRole('button', { name: '试运行' }).click();
      await page.getByText('试运行：现在没有人达标。').waitFor();
      // what was typed survives the dry run
      assert.equal(await page.getByLabel('规则名称').inputValue(), '连续打卡30天');
      await shot('dry-run');
      // with backfill the rule counts all history (without it, only facts from today on)
      await page.locator('label', { hasText: '保存时为已达标的人补发' }).locator('input').check();
      await page.getByRole('button', { name: '保存规则' }).click();
      await page.waitForURL(/\/rules\/\d+$/);
      await settle();
      const closest = page.locator('tr', { hasText: '张伟' });
      await closest.getByText('还差 1 天').waitFor();
      const rulePage = page.url();
      await shot('rule');

      // 张伟 clocks in today (the simulator's control API), and the next sync gives him the medal
      await page.goto(`${server.base}/staff?q=${encodeURIComponent('张伟')}`);
      await page.getByRole('link', { name: '张伟' }).click();
      await page.waitForURL(/\/staff\/\d+$/);
      const uid = (await page.locator('dd.userid-fact .userid-value').innerText()).trim();
      const today = Math.floor((Date.now() + CHINA) / DAY) * DAY - CHINA;
      const r = await page.request.post(`${server.base}/sim/_control/attendance`, {
        data: ['OnDuty', 'OffDuty'].map((checkType) => ({ userId: uid, workDate: today, checkType, timeResult: 'Normal' })),
      });
      assert.equal(r.status(), 200, await r.text());
      await sync();

      await page.goto(rulePage);
      await settle();
      const recent = page.locator('tr', { hasText: '张伟' }).filter({ hasText: '连续 30 天' });
      await recent.first().waitFor();
      await shot('awarded');
      await recent.first().getByRole('link').last().click();
      await page.waitForURL(/\/awards\/\d+$/);
      await page.getByText('自动颁发 · 规则「连续打卡30天」').waitFor();
      await page.getByRole('link', { name: /规则「连续打卡30天」/ }).waitFor();

      // the card reaches the group the rule shares to
      let found = false;
      for (let i = 0; i < 60 && !found; i++) {
        await page.goto(`${server.base}/sim`);
        const column = page.locator('.chat').filter({ has: page.getByRole('heading', { name: '研发部', exact: true }) });
        found = (await column.getByText('全勤达人').count()) > 0;
        if (!found) await page.waitForTimeout(500);
      }
      assert.ok(found, 'the card is in 研发部 on /sim');
      await shot('sim');
      const problems = page.problems.filter((p) => !(p.startsWith(`console at ${server.base}/sim`) && /status of 404/.test(p)));
      assert.deepEqual(problems, []);
    });
  });
}
