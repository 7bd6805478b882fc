// Every main page of the demo, with JavaScript on and off: it answers 200, shows its heading and
// no error, and is photographed with JavaScript on: `page-<name>.png` in E2E_SHOTS, and
// `<name>.jpg` in README_SHOTS — the README's screenshots (`docs/screenshots/`) come from
// `README_SHOTS=docs/screenshots node --test end2end/tests/pages.test.mjs`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hydrated, signedIn } from './harness.mjs';

const shots = process.env.E2E_SHOTS;
const readme = process.env.README_SHOTS;

/// [name, path, a heading the page shows]
const PAGES = [
  ['dashboard', '/', '概览'],
  ['medals', '/medals', '勋章'],
  ['medal', '/medals/1', '月度之星'],
  ['medal-form', '/medals/new', '新建勋章'],
  ['awards', '/awards', '颁奖记录'],
  ['award-form', '/awards/new', '颁发勋章'],
  ['staff', '/staff', '员工'],
  ['person', '/staff/1', '张伟'],
  ['leaderboard', '/leaderboard', '排行榜'],
  ['rules', '/rules', '规则'],
  ['attendance', '/attendance', '考勤同步'],
  ['groups', '/groups', '群组'],
  ['shares', '/shares', '分享记录'],
  ['settings', '/settings', '设置'],
  ['tokens', '/tokens', 'API 令牌'],
  ['admins', '/admins', '管理员'],
  ['audit', '/audit', '审计日志'],
  ['sim', '/sim', '钉钉模拟器'],
];

for (const js of [true, false]) {
  describe(`every main page, JavaScript ${js ? 'on' : 'off'}`, () => {
    let session, server, page;
    before(async () => {
      session = await signedIn({ javaScriptEnabled: js });
      ({ server, page } = session);
      await page.setViewportSize({ width: 1280, height: 800 });
    });
    after(async () => session?.stop());
    const settle = async () => (js ? hydrated(page) : page.waitForLoadState('load'));
    const visit = async (name, path, heading) => {
      const r = await page.goto(`${server.base}${path}`);
      assert.equal(r.status(), 200, `${path} answered ${r.status()}`);
      await settle();
      await page.getByRole('heading', { name: heading }).first().waitFor({ timeout: 10_000 });
      const text = await page.locator('body').innerText();
      assert.ok(!/出错了|Internal error|服务器错误/.test(text), `${path} shows an error`);
      if (shots && js) await page.screenshot({ path: join(shots, `page-${name}.png`) });
      if (readme && js) await page.screenshot({ path: join(readme, `${name}.jpg`), type: 'jpeg', quality: 80 });
    };

    test('each renders with the demo data', async () => {
      for (const [name, path, heading] of PAGES) await visit(name, path, heading);
      // an award's page, and its public page (the link a card carries), signed in
      await page.goto(`${server.base}/awards`);
      const award = await page.evaluate(() => [...document.querySelectorAll('a[href^="/awards/"]')]
        .map((a) => a.getAttribute('href')).find((h) => /^\/awards\/\d+$/.test(h)));
      await visit('award', award, /月度之星|最佳拍档|全勤达人|百单王者|创新火花|新人启航/);
      const open = await page.locator('a[href*="/a/"]').first().getAttribute('href');
      await visit('public', new URL(open, server.base).pathname, /月度之星|最佳拍档|全勤达人|百单王者|创新火花|新人启航/);
    });
  });
}
