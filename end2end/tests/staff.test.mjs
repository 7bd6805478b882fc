// The staff directory in the browser, with JavaScript on and off: create (with a mistake first),
// edit, deactivate and reactivate; import a CSV with one bad line through the preview; export.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { hydrated, signedIn } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'staff-csv-'));
const good = join(dir, 'staff.csv');
writeFileSync(good, '姓名,手机号,部门,工号\n张三,13800138000,研发部,E001\n李四,123,市场部,E002\n王五,13700137000,行政部,E003\n');

for (const js of [true, false]) {
  describe(`staff, JavaScript ${js ? 'on' : 'off'}`, () => {
    let session, server, browser, page;
    before(async () => {
      session = await signedIn({ javaScriptEnabled: js });
      ({ server, browser, page } = session);
    });
    after(async () => session?.stop());
    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));

    test('create with a mistake, then right; edit; deactivate; reactivate', async () => {
      await page.goto(`${server.base}/staff/new`);
      await settle();
      await page.getByLabel('姓名').fill('赵六');
      await page.getByLabel('手机号').fill('99');
      await page.getByRole('button', { name: '创建员工' }).click();
      await page.locator('[data-field=mobile]').getByText('格式不正确').waitFor();
      assert.equal(await page.getByLabel('姓名').inputValue(), '赵六');
      await page.getByLabel('手机号').fill('+86 136-0013-6000');
      await page.getByLabel('工号').fill('E100');
      await page.getByRole('button', { name: '创建员工' }).click();
      await page.waitForURL(/\/staff\/\d+$/);
      await settle();
      await page.getByText('13600136000').waitFor();
      await page.getByRole('link', { name: '编辑' }).click();
      await page.waitForURL(/\/edit$/);
      await settle();
      await page.getByLabel('部门').fill('质量部');
      await page.getByRole('button', { name: '保存修改' }).click();
      await page.waitForURL(/\/staff\/\d+$/);
      await settle();
      await page.getByText('质量部').waitFor();
      const asked = page.dialogs || 0;
      await page.getByRole('button', { name: '停用' }).click();
      await page.getByRole('button', { name: '重新启用' }).waitFor();
      assert.equal((page.dialogs || 0) - asked, js ? 1 : 0, 'confirmation before deactivating');
      await page.getByText('已停用', { exact: true }).waitFor();
      await page.getByRole('button', { name: '重新启用' }).click();
      await page.getByRole('button', { name: '停用' }).waitFor();
      assert.deepEqual(page.problems, []);
    });

    test('import: upload, preview with the bad line, confirm, result', async () => {
      await page.goto(`${server.base}/staff/import`);
      await settle();
      await page.locator('#file').setInputFiles(good);
      await page.getByRole('button', { name: '上传并预览' }).click();
      await page.getByRole('button', { name: /确认导入 2 条/ }).waitFor();
      await page.locator('.import-errors').getByText('3', { exact: true }).waitFor();
      await page.getByRole('button', { name: /确认导入 2 条/ }).click();
      await page.getByText(/导入完成：新增 2 人/).waitFor();
      await page.goto(`${server.base}/staff?q=E00&status=all`);
      await settle();
      await page.getByRole('link', { name: '张三' }).waitFor();
      await page.getByRole('link', { name: '王五' }).waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '导出 CSV' }).click()]);
      assert.equal(download.suggestedFilename(), 'staff.csv');
      assert.deepEqual(page.problems, []);
    });
  });
}
