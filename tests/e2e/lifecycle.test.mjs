// SPDX-License-Identifier: MIT
// The whole life of a case in a real browser, each person on their own screen:
// a citizen files a complaint with a photo on a phone and gets a receipt; an
// operator enters a 12345 call; the supervisor files and dispatches the
// citizen's case; the department signs and reports it fixed with an after
// photo; the inspector checks it with a photo; the supervisor closes it; the
// citizen sees it closed and rates it. Every step asserts what the person sees.
// No console errors and no request to another host are allowed anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, pngFile, shootBoth, PHONE, DESKTOP } from './browser.mjs';

let server;
let browser;
const story = {}; // what one step hands to the next: case number, query code, ids

before(async () => {
  server = await startDemo();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// Opens the case with this number from a queue table and runs action there.
async function openCaseAction(page, caseNo, action) {
  const row = page.locator(`tr[data-case-no="${caseNo}"]`);
  await row.waitFor();
  await row.locator(`a[data-action="${action}"]`).click();
  await page.locator(`form[data-action-form="${action}"]`).waitFor();
}

async function submitAction(page, action) {
  await page.locator(`form[data-action-form="${action}"] button[type=submit]`).click();
  await page.locator('[data-role=notice]').waitFor();
}

test('a case from a citizen\'s phone to closure and rating, in the browser', async (t) => {
  await t.test('citizen files a complaint with a photo on a 390 px phone and gets a receipt', async () => {
    const s = await openPage(browser, server.base, PHONE);
    const { page } = s;
    await page.goto(`${server.base}/index.html`);
    await page.getByRole('heading', { name: '反映城市管理问题' }).waitFor();
    await shootBoth(page, 'citizen-report');
    const box = await page.locator('#report-map').boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await assertText(page.locator('#place-status'), /红旗街道/);
    await page.getByLabel('问题描述').fill('红旗路口的垃圾桶旁边堆满了暴露垃圾，已经发臭');
    const chip = page.locator('#suggestions .chip', { hasText: '暴露垃圾' });
    await chip.click();
    assert.equal(await chip.getAttribute('aria-pressed'), 'true');
    await page.locator('#photo-slot input[type=file]').setInputFiles(pngFile(101));
    await page.locator('#photo-slot .previews img').waitFor();
    await page.getByLabel('姓名').fill('王女士');
    await page.getByLabel('手机号码').fill('13800138000');
    await page.getByLabel('详细地址（可选）').fill('红旗路与油城路交叉口');
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('heading', { name: '提交成功' }).waitFor();
    story.caseNo = (await page.locator('#receipt-no').textContent()).trim();
    story.code = (await page.locator('#receipt-code').textContent()).trim();
    assert.match(story.caseNo, /^\d{14}$/);
    assert.match(story.code, /^[A-Z0-9]{6,}$/);
    await assertText(page.locator('#receipt-state'), '待受理');
    await assertText(page.locator('#receipt-photos'), '照片已上传 1/1 张。');
    await shootBoth(page, 'citizen-receipt');
    await page.getByRole('button', { name: '查看进度' }).click();
    await assertText(page.locator('#track-result'), /案件 \d{14}[\s\S]*待受理/);
    await shootBoth(page, 'citizen-track');
    assertClean(s);
    await s.context.close();
  });

  await t.test('operator enters a 12345 call with the keyboard', async () => {
    const s = await openPage(browser, server.base, DESKTOP);
    const { page } = s;
    await page.goto(`${server.base}/staff.html`);
    await page.getByRole('heading', { name: '工作人员登录' }).waitFor();
    await shootBoth(page, 'staff-signin');
    await signIn(page, server.base, 'operator');
    await page.getByRole('heading', { name: '热线登记' }).waitFor();
    await assertText(page.locator('#who'), /受理员/);
    await page.getByLabel('工单号').fill('GD20261124-0001');
    await page.keyboard.press('Tab');
    await page.keyboard.type('李先生');
    await page.keyboard.press('Tab');
    await page.keyboard.type('13900139000');
    await page.keyboard.press('Tab');
    await page.keyboard.type('红旗路88号');
    await page.keyboard.press('Tab');
    await page.keyboard.type('红旗路88号门口井盖缺失，晚上很危险');
    await page.locator('[data-role=suggestions] .chip').first().waitFor();
    await page.locator('[data-role=duplicate-hints] [role=status]').filter({ hasText: /相似/ }).waitFor();
    await page.keyboard.press('Control+Enter');
    const notice = page.locator('[data-role=result] .notice');
    await assertText(notice, /已登记案件 \d{14}/);
    story.hotlineNo = /(\d{14})/.exec(await notice.textContent())[1];
    assert.equal(await page.getByLabel('工单号').inputValue(), '', 'the form is cleared for the next call');
    await shootBoth(page, 'operator-hotline');
    assertClean(s);
    await s.context.close();
  });

  await t.test('supervisor files and dispatches the citizen\'s case', async () => {
    const s = await openPage(browser, server.base, DESKTOP);
    const { page } = s;
    await signIn(page, server.base, 'supervisor');
    await page.getByRole('heading', { name: '受理队列' }).waitFor();
    await assertText(page.locator(`tr[data-case-no="${story.caseNo}"]`), /待受理[\s\S]*市民网上反映/);
    await assertText(page.locator(`tr[data-case-no="${story.hotlineNo}"]`), /12345 热线/);
    await shootBoth(page, 'supervisor-intake');
    await openCaseAction(page, story.caseNo, 'accept');
    const category = page.locator('form[data-action-form=accept] select[name=category_id]');
    assert.match(await category.locator('option:checked').textContent(), /暴露垃圾/);
    await submitAction(page, 'accept');
    await assertText(page.locator('[data-role=notice]'), '已立案，案件状态：已立案。');
    await page.locator('button[data-action=dispatch]').click();
    const department = page.locator('form[data-action-form=dispatch] select[name=department_id]');
    assert.match(await department.locator('option:checked').textContent(), /环境卫生/);
    await submitAction(page, 'dispatch');
    await assertText(page.locator('[data-role=notice]'), '已派遣，案件状态：已派遣。');
    await assertText(page.locator('.case-head'), /已派遣[\s\S]*正常/);
    await assertText(page.locator('.timeline'), /上报[\s\S]*立案[\s\S]*派遣/);
    story.caseId = await page.locator('.case-screen').getAttribute('data-case-id');
    await shootBoth(page, 'supervisor-case');
    await page.locator('#nav a[data-screen=dispatch]').click();
    await page.getByRole('heading', { name: '派遣看板' }).waitFor();
    await assertText(page.locator(`tr[data-case-no="${story.caseNo}"]`), /已派遣[\s\S]*环境卫生/);
    await shootBoth(page, 'supervisor-dispatch');
    assertClean(s);
    await s.context.close();
  });

  await t.test('department signs and reports it fixed with an after photo', async () => {
    const s = await openPage(browser, server.base, DESKTOP);
    const { page } = s;
    await signIn(page, server.base, 'dept_sanitation');
    await page.getByRole('heading', { name: '待办案件' }).waitFor();
    await shootBoth(page, 'department-inbox');
    await openCaseAction(page, story.caseNo, 'sign');
    await submitAction(page, 'sign');
    await assertText(page.locator('.case-head'), /处置中/);
    await page.locator('button[data-action=handle]').click();
    const form = page.locator('form[data-action-form=handle]');
    await form.locator('button[type=submit]').click();
    await assertText(form.locator('[data-field=photo] .field-error'), '请先上传照片。');
    await form.locator('input[type=file]').setInputFiles(pngFile(202));
    await form.locator('.previews img').waitFor();
    await form.getByLabel('处置结果').fill('已清运垃圾并冲洗地面');
    await submitAction(page, 'handle');
    await assertText(page.locator('[data-role=notice]'), '已处置反馈，案件状态：待核查。');
    await page.locator('.gallery[data-stage=after] img').waitFor();
    await shootBoth(page, 'department-case');
    assertClean(s);
    await s.context.close();
  });

  await t.test('inspector checks the fix on a phone with a check photo', async () => {
    const s = await openPage(browser, server.base, PHONE);
    const { page } = s;
    await signIn(page, server.base, 'inspector');
    await page.getByRole('heading', { name: '我的任务' }).waitFor();
    await assertText(page.locator(`tr[data-case-no="${story.caseNo}"]`), /待核查/);
    // Each task is marked as mine or my street's, with the level it was routed
    // at; mine come first.
    const badge = page.locator(`tr[data-case-no="${story.caseNo}"] [data-role=task]`);
    await badge.waitFor();
    const level = await badge.getAttribute('data-level');
    assert.ok(['cell', 'zone', 'street'].includes(level), `routed level ${level}`);
    assert.match(await badge.textContent(), new RegExp(`${{ cell: '本网格', zone: '巡查片区', street: '全街道' }[level]}`));
    const marks = await page.locator('tr[data-case-id] [data-role=task]').evaluateAll((els) => els.map((e) => e.dataset.mine));
    assert.ok(marks.length > 0);
    assert.deepEqual(marks, [...marks].sort().reverse(), 'mine first');
    await shootBoth(page, 'inspector-tasks');
    await openCaseAction(page, story.caseNo, 'check-pass');
    // The case page names the inspectors the check is routed to.
    await assertText(page.locator('[data-role=task-route]'), /核查 · /);
    const form = page.locator('form[data-action-form=check-pass]');
    await form.locator('input[type=file]').setInputFiles(pngFile(303));
    await form.locator('.previews img').waitFor();
    await submitAction(page, 'check-pass');
    await assertText(page.locator('[data-role=notice]'), '已核查通过，案件状态：待结案。');
    await page.locator('.gallery[data-stage=check] img').waitFor();
    await shootBoth(page, 'inspector-case');
    assertClean(s);
    await s.context.close();
  });

  await t.test('supervisor closes the case from the closing queue', async () => {
    const s = await openPage(browser, server.base, DESKTOP);
    const { page } = s;
    await signIn(page, server.base, 'supervisor');
    await page.locator('#nav a[data-screen=closing]').click();
    await page.getByRole('heading', { name: '结案队列' }).waitFor();
    await assertText(page.locator(`tr[data-case-no="${story.caseNo}"]`), /待结案/);
    await shootBoth(page, 'supervisor-closing');
    await openCaseAction(page, story.caseNo, 'close');
    await submitAction(page, 'close');
    await assertText(page.locator('[data-role=notice]'), '已结案，案件状态：已结案。');
    await assertText(page.locator('.timeline'), /核查通过[\s\S]*结案/);
    assertClean(s);
    await s.context.close();
  });

  await t.test('citizen sees the case closed and rates it', async () => {
    const s = await openPage(browser, server.base, PHONE);
    const { page } = s;
    await page.goto(`${server.base}/index.html`);
    await page.getByRole('tab', { name: '查询进度' }).click();
    await page.getByLabel('案件编号').fill(story.caseNo);
    await page.getByLabel('查询码').fill(story.code);
    await page.getByRole('button', { name: '查询' }).click();
    const result = page.locator('#track-result');
    await assertText(result.locator('.result-head'), /已结案/);
    await assertText(result.locator('.timeline'), /待受理[\s\S]*已结案/);
    await page.getByRole('heading', { name: '请评价处理结果' }).waitFor();
    await shootBoth(page, 'citizen-closed');
    await page.getByLabel('满意', { exact: true }).check();
    await page.getByLabel('意见或建议（可选）').fill('处理很及时，谢谢');
    await page.getByRole('button', { name: '提交评价' }).click();
    await page.getByRole('heading', { name: '您的评价' }).waitFor();
    await assertText(result.locator('.rating-value'), '满意');
    await shootBoth(page, 'citizen-rated');
    assertClean(s);
    await s.context.close();
  });
});

// Waits until the locator's text matches expected (a string for equality after
// trimming, or a RegExp), failing with the text last seen.
async function assertText(locator, expected, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let seen = '';
  for (;;) {
    seen = ((await locator.first().textContent({ timeout }).catch(() => '')) || '').trim();
    const ok = expected instanceof RegExp ? expected.test(seen) : seen === expected;
    if (ok) return seen;
    if (Date.now() > deadline) assert.fail(`expected ${expected} but the page shows: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
