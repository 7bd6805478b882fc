// Awards in the browser, with JavaScript on and off: import staff from a CSV, award a medal to
// their whole department, see it on a person's medal wall and on the public page (signed out),
// revoke it and see that everywhere; pick a person by search; the leaderboard and the dashboard.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { hydrated, signedIn } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'awards-csv-'));
const staffCsv = join(dir, 'lab.csv');
writeFileSync(staffCsv, '姓名,手机号,部门,工号\n林一,13900139001,创新实验室,L001\n林二,13900139002,创新实验室,L002\n');
const recipientsCsv = join(dir, 'recipients.csv');
writeFileSync(recipientsCsv, '工号,姓名,理由\nE1001,张伟,带队完成迁移\nE9999,无名,好\n');
const shots = process.env.E2E_SHOTS;

for (const js of [true, false]) {
  describe(`awards, JavaScript ${js ? 'on' : 'off'}`, () => {
    let session, server, browser, page;
    before(async () => {
      session = await signedIn({ javaScriptEnabled: js });
      ({ server, browser, page } = session);
    });
    after(async () => session?.stop());
    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));
    const shot = async (name) => shots && page.screenshot({ path: join(shots, `${name}-${js ? 'js' : 'nojs'}.png`), fullPage: true });

    test('import staff, award their department, medal wall, public page, revoke', async () => {
      await page.goto(`${server.base}/staff/import`);
      await settle();
      await page.locator('#file').setInputFiles(staffCsv);
      await page.getByRole('button', { name: '上传并预览' }).click();
      await page.getByRole('button', { name: /确认导入 2 条/ }).click();
      await page.getByText(/导入完成：新增 2 人/).waitFor();

      await page.goto(`${server.base}/awards/new`);
      await settle();
      await page.getByLabel('勋章', { exact: true }).selectOption({ label: '月度之星 · 金' });
      await page.getByLabel(/整个部门/).selectOption('创新实验室');
      await page.getByLabel('理由', { exact: true }).fill('实验室季度成果突出');
      await shot('award-form');
      await page.getByRole('button', { name: '颁发', exact: true }).click();
      await page.waitForURL(/\/awards\?batch=/);
      await settle();
      await page.getByText('已颁发 2 枚勋章').waitFor();
      await page.locator('.awards-table').getByRole('link', { name: '林一' }).waitFor();
      await shot('awards-list');

      await page.locator('.awards-table').getByRole('link', { name: '林一' }).click();
      await page.waitForURL(/\/staff\/\d+$/);
      await settle();
      const wall = page.locator('.medal-wall');
      await wall.getByText('月度之星').waitFor();
      assert.equal(await wall.locator('[data-tier=gold] .n').textContent(), '1');
      await shot('medal-wall');
      await wall.getByRole('link', { name: /月度之星/ }).click();
      await page.waitForURL(/\/awards\/\d+$/);
      await settle();
      const publicUrl = await page.locator('a[href^="/a/"]').getAttribute('href');

      // The public page, signed out.
      const anon = await browser.newContext({ javaScriptEnabled: js, locale: 'zh-CN' });
      const pub = await anon.newPage();
      const problems = [];
      pub.on('pageerror', (e) => problems.push(e.message));
      const r = await pub.goto(`${server.base}${publicUrl}`);
      assert.equal(r.status(), 200);
      await pub.getByRole('heading', { name: '月度之星' }).waitFor();
      await pub.getByText('林一').waitFor();
      await pub.getByText('实验室季度成果突出').waitFor();
      const html = await pub.content();
      assert.ok(!html.includes('13900139001'), 'no mobile on the public page');
      assert.ok(await pub.locator('meta[property="og:title"]').count() >= 1, 'OpenGraph title');
      if (shots) await pub.screenshot({ path: join(shots, `public-${js ? 'js' : 'nojs'}.png`), fullPage: true });

      // Revoke with a reason.
      await page.getByLabel('撤销理由').fill('名单有误');
      await page.getByRole('button', { name: '撤销', exact: true }).click();
      await page.locator('h1 [data-status=revoked]').waitFor();
      await page.getByText('名单有误').waitFor();
      await pub.reload();
      await pub.getByText('这枚勋章已被撤销').waitFor();
      assert.deepEqual(problems, []);
      await anon.close();
      assert.deepEqual(page.problems, []);
    });

    test('a recipients CSV with a bad line is refused by line number; pick a person by search', async () => {
      await page.goto(`${server.base}/awards/new`);
      await settle();
      await page.getByLabel('勋章', { exact: true }).selectOption({ label: '最佳拍档 · 铜' });
      await page.locator('#file').setInputFiles(recipientsCsv);
      await page.getByRole('button', { name: '颁发', exact: true }).click();
      await page.locator('[data-field=file]').getByText(/第 3 行.*E9999/).waitFor();

      await page.goto(`${server.base}/awards/new?q=${encodeURIComponent('王芳')}`);
      await settle();
      await page.getByLabel('勋章', { exact: true }).selectOption({ label: '最佳拍档 · 铜' });
      if (js) {
        await page.getByLabel(/搜索员工/).fill('刘洋');
        await page.getByRole('checkbox', { name: /刘洋/ }).check();
        await page.getByLabel(/搜索员工/).fill('王芳');
        await page.getByRole('checkbox', { name: /王芳/ }).check();
        await page.locator('.chosen').getByText('已选 2 人').waitFor();
      } else {
        await page.getByRole('checkbox', { name: /王芳/ }).check();
      }
      await page.getByLabel('理由', { exact: true }).fill('跨部门支援');
      await page.getByRole('button', { name: '颁发', exact: true }).click();
      if (js) {
        await page.waitForURL(/\/awards\?batch=/);
        await settle();
        await page.getByText('已颁发 2 枚勋章').waitFor();
      } else {
        await page.waitForURL(/\/awards\/\d+\?given=1/);
        await page.getByText('勋章已颁发').waitFor();
      }

      await page.goto(`${server.base}/leaderboard?period=all`);
      await settle();
      await page.locator('.leaderboard').getByRole('link', { name: '王芳' }).waitFor();
      await page.goto(`${server.base}/`);
      await settle();
      assert.ok(await page.locator('svg.chart .bar').count() === 12, 'twelve months in the chart');
      await shot('dashboard');
      assert.deepEqual(page.problems, []);
    });
  });
}
