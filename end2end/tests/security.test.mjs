// Hostile names typed into the forms (a person named `</title><script>…`, a medal named
// `<img onerror=…>`), awarded, then the pages that show them — above all the public award page,
// opened signed out — must run no injected script, record no CSP violation and log no error.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hydrated, launch, newPage, signedIn } from './harness.mjs';

const PERSON = '</title><script>window.__pwned=1</script>';
const MEDAL = '<img src=x onerror=__pwned=2>';
const REASON = '"><svg onload=window.__pwned=3>';
const shots = process.env.E2E_SHOTS;

/// Records CSP violations (the init script is the browser's own, not subject to the page's CSP).
async function watchCsp(context) {
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

async function assertClean(page, where) {
  assert.equal(await page.evaluate(() => window.__pwned), undefined, `${where}: injected script ran`);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], `${where}: CSP violations`);
  assert.deepEqual(page.problems, [], `${where}: console errors`);
}

describe('hostile names, JavaScript on', () => {
  let session, server, page, publicUrl;
  before(async () => {
    session = await signedIn({ javaScriptEnabled: true });
    ({ server, page } = session);
    await watchCsp(session.context);
  });
  after(async () => session?.stop());

  test('typed into the forms, shown as text on every page', async () => {
    await page.goto(`${server.base}/staff/new`);
    await hydrated(page);
    await page.getByLabel('姓名').fill(PERSON);
    await page.getByLabel('工号').fill('X001');
    await page.getByRole('button', { name: '创建员工' }).click();
    await page.waitForURL(/\/staff\/\d+$/);
    const staffUrl = page.url();
    await hydrated(page);
    await page.getByRole('heading', { name: PERSON }).waitFor();
    await assertClean(page, 'staff page');

    await page.goto(`${server.base}/medals/new`);
    await hydrated(page);
    await page.getByLabel('名称').fill(MEDAL);
    await page.getByRole('button', { name: '创建勋章' }).click();
    await page.waitForURL(/\/medals\/\d+$/);
    await hydrated(page);
    await page.getByRole('heading', { name: MEDAL }).waitFor();
    await assertClean(page, 'medal page');

    await page.goto(`${staffUrl.replace(server.base, server.base)}`);
    await hydrated(page);
    await page.getByRole('link', { name: /颁发勋章/ }).click();
    await page.waitForURL(/\/awards\/new/);
    await hydrated(page);
    await page.getByLabel('勋章', { exact: true }).selectOption({ label: `${MEDAL} · 无等级` });
    await page.getByLabel('理由', { exact: true }).fill(REASON);
    await page.getByRole('button', { name: '颁发', exact: true }).click();
    await page.waitForURL(/\/awards\/\d+/);
    await hydrated(page);
    await page.getByText(REASON).waitFor();
    await assertClean(page, 'award page');
    publicUrl = await page.locator('a[href^="/a/"]').getAttribute('href');

    for (const path of ['/', '/awards', '/staff', '/medals', '/leaderboard']) {
      await page.goto(`${server.base}${path}`);
      await hydrated(page);
      await assertClean(page, path);
    }
  });

  test('the public page, signed out', async () => {
    const browser = await launch();
    const { context, page: anon } = await newPage(browser, { javaScriptEnabled: true });
    await watchCsp(context);
    const r = await anon.goto(`${server.base}${publicUrl}`);
    assert.match(r.headers()['content-security-policy'], /script-src 'self' 'nonce-/);
    await anon.waitForLoadState('networkidle');
    await anon.getByRole('heading', { name: MEDAL }).waitFor();
    await anon.getByText(PERSON).first().waitFor();
    assert.equal(await anon.title(), `${PERSON} 获得「${MEDAL}」勋章 · 勋章馆`);
    await assertClean(anon, 'public page');
    if (shots) await anon.screenshot({ path: join(shots, 'public-hostile.png'), fullPage: true });
    await context.close();
    await browser.close();
  });
});
