// The playground in real headless Chromium: editing, problems, share links, drafts, fallbacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, openPage, ready, screenshot, replaceText, tabNames } from './harness.mjs';

const env = suite();

const BROKEN = 'trigger: none\nsteps:\n- script: echo "building"\n- bash: [unclosed\n';

test('first visit shows the default example with CodeMirror and no problems', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.url);
  await ready(page);
  assert.equal(await page.getAttribute('[data-testid=editor]', 'data-editor'), 'codemirror');
  assert.deepEqual(await tabNames(page), ['azure-pipelines.yml', '@templates/environments.yml', 'vars_dev.yml', 'vars_prod.yml']);
  assert.equal(await page.textContent('[data-testid=problem-count]'), '0');
  const kinds = await page.$$eval('[data-testid=document] .kind', (els) => els.map((e) => e.textContent));
  assert.deepEqual(kinds, ['Azure pipeline', 'Azure stage template', 'Azure variable template', 'Azure variable template']);
  await screenshot(page, '01-first-visit');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('typing YAML with an error shows the squiggle and the problem; clicking it moves the cursor', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.url);
  await ready(page);
  await replaceText(page, BROKEN);
  await page.click('[data-testid=panel-problems]');
  const problem = page.locator('[data-testid=problem]').first();
  await problem.waitFor();
  assert.equal(await problem.getAttribute('data-severity'), 'error');
  assert.match(await problem.locator('.location').textContent(), /^azure-pipelines\.yml:5:1$/);
  assert.match(await problem.locator('.message').textContent(), /flow sequence/);
  // The error is at the end of the file, so CodeMirror shows a point marker rather than a range.
  await page.waitForSelector('.cm-lintPoint-error, .cm-lintRange-error', { state: 'attached' });
  await page.waitForSelector('.cm-lint-marker-error');
  assert.equal(await page.locator('.tab.active .tab-errors').textContent(), '1');
  // Move the cursor away, then click the problem: the editor selects line 5.
  await page.click('.cm-line >> nth=0');
  await problem.click();
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === '');
  const activeLineNumber = await page.locator('.cm-activeLineGutter').first().textContent();
  assert.equal(activeLineNumber.trim(), '5');
  await screenshot(page, '02-problem-squiggle');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('copy link, open it in a new page: the same files and view come back', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/argo-events-ml-pipeline`);
  await ready(page);
  await page.click('[data-testid=file-tab][data-name="sensor.yaml"]');
  await replaceText(page, 'apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata:\n  name: édité ✓\n');
  await page.click('[data-testid=panel-problems]');
  await page.click('[data-testid=copy-link]');
  const url = await page.inputValue('[data-testid=share-url]');
  assert.match(url, /#v1\.z\.[A-Za-z0-9_-]+$/);
  await page.waitForSelector('[data-testid=share-popover] >> text=Link copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  await screenshot(page, '03-copy-link');

  const other = await openPage(env.browser);
  await other.goto(url);
  await ready(other);
  assert.deepEqual(await tabNames(other), await tabNames(page));
  assert.equal(await other.getAttribute('[data-testid=file-tab][aria-selected=true]', 'data-name'), 'sensor.yaml');
  assert.equal(await other.getAttribute('[data-testid=panel-problems]', 'aria-selected'), 'true');
  assert.match(await other.textContent('.cm-content'), /name: édité ✓/);
  await screenshot(other, '04-link-opened');
  // The page compresses with the browser's zlib: any zlib reads it (here Node's), and the page
  // opens a link another zlib wrote.
  const { inflateSync, deflateSync } = await import('node:zlib');
  const b64 = url.split('#v1.z.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const json = JSON.parse(inflateSync(Buffer.from(b64, 'base64')).toString('utf8'));
  assert.deepEqual(json.files.map((f) => f.name), await tabNames(page));
  const written = deflateSync(Buffer.from(JSON.stringify({ files: [{ name: 'from-node.yml', text: 'steps:\n- script: echo node\n' }] })), { level: 9 })
    .toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const third = await openPage(env.browser);
  await third.goto(`${env.url}#v1.z.${written}`);
  await ready(third);
  assert.deepEqual(await tabNames(third), ['from-node.yml']);
  await third.context().close();
  assert.deepEqual([...page.errors, ...other.errors], []);
  await other.context().close();
  await page.context().close();
});

test('the draft survives a reload, and a corrupted link leaves it untouched', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.url);
  await ready(page);
  await replaceText(page, 'trigger: none\nsteps:\n- script: echo my draft\n');
  await page.waitForFunction(() => (localStorage.getItem('pipelab.draft.v1') ?? '').includes('my draft'));
  // The address follows (compressed asynchronously by the browser).
  await page.waitForFunction(() => location.hash.startsWith('#v1.z.'));
  await page.reload();
  await ready(page);
  assert.match(await page.textContent('.cm-content'), /echo my draft/);
  const draft = await page.evaluate(() => localStorage.getItem('pipelab.draft.v1'));
  await screenshot(page, '05-draft-after-reload');

  const link = await page.evaluate(() => location.hash);
  assert.match(link, /^#v1\.z\./);
  for (const [broken, message] of [
    [link.slice(0, link.length - 20), /truncated or corrupted/],
    ['#v1.z.!!!not-base64!!!', /damaged/],
    ['#v9.z.abc', /cannot read/],
    ['#example/no-such-example', /no built-in example/],
  ]) {
    await page.goto(`${env.url}${broken}`);
    await page.reload();
    await ready(page);
    const banner = page.locator('[data-testid=banner]');
    await banner.waitFor();
    assert.match(await banner.textContent(), message);
    assert.match(await banner.textContent(), /Your saved draft is shown instead/);
    assert.match(await page.textContent('.cm-content'), /echo my draft/);
    assert.equal(await page.evaluate(() => localStorage.getItem('pipelab.draft.v1')), draft);
  }
  await screenshot(page, '06-corrupted-link');
  await page.click('[data-testid=banner] .banner-close');
  assert.equal(await page.locator('[data-testid=banner]').count(), 0);
  await page.context().close();
});

test('pasting a link into the address of an open page loads it', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.url);
  await ready(page);
  await page.evaluate(() => { location.hash = '#example/argo-events-ml-pipeline'; });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-tab]').length === 7);
  await page.selectOption('[data-testid=examples]', 'azure-dynamic-multistage');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-tab]').length === 4);
  assert.equal(await page.evaluate(() => location.hash), '#example/azure-dynamic-multistage');
  await page.context().close();
});

test('file tabs: add, rename (with validation) and delete', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/azure-dynamic-multistage`);
  await ready(page);
  await page.click('[data-testid=add-file]');
  const input = page.locator('[data-testid=tab-rename]');
  await input.fill('../escape.yml');
  await input.press('Enter');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  await input.fill('templates/deploy-region.yml');
  await input.press('Enter');
  await page.waitForSelector('[data-testid=file-tab][data-name="templates/deploy-region.yml"]');
  assert.deepEqual((await tabNames(page)).at(-1), 'templates/deploy-region.yml');
  await replaceText(page, 'parameters:\n- name: env\n  type: string\njobs:\n- job: deploy_${{ parameters.env }}\n');
  await page.click('[data-testid=panel-documents]');
  // Nothing references it yet, so Azure would treat it as a pipeline of its own.
  await page.waitForSelector('[data-testid=document][data-kind="Azure pipeline"]');
  // Rename by double-click.
  await page.dblclick('[data-testid=file-tab][data-name="vars_prod.yml"]');
  await page.locator('[data-testid=tab-rename]').fill('vars_production.yml');
  await page.locator('[data-testid=tab-rename]').press('Enter');
  await page.waitForSelector('[data-testid=file-tab][data-name="vars_production.yml"]');
  // Delete (asks first because the file is not empty).
  page.once('dialog', (d) => d.accept());
  await page.click('[data-testid=file-tab][data-name="vars_production.yml"] [data-testid=delete-file]');
  await page.waitForSelector('[data-testid=file-tab][data-name="vars_production.yml"]', { state: 'detached' });
  assert.equal((await tabNames(page)).length, 4);
  await screenshot(page, '07-file-tabs');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('without the editor bundle the page falls back to a textarea that still works', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 860 } });
  await context.route(/pipelab-editor-.*\.js$/, (route) => route.abort());
  const page = await openPage(env.browser, { context });
  await page.goto(`${env.url}#example/azure-dynamic-multistage`);
  await ready(page);
  assert.equal(await page.getAttribute('[data-testid=editor]', 'data-editor'), 'textarea');
  await page.fill('[data-testid=editor-textarea]', BROKEN);
  await page.click('[data-testid=panel-problems]');
  await page.locator('[data-testid=problem]').first().waitFor();
  await page.locator('[data-testid=problem]').first().click();
  const selectionStart = await page.$eval('[data-testid=editor-textarea]', (t) => t.selectionStart);
  assert.equal(selectionStart, BROKEN.length);
  await screenshot(page, '08-textarea-fallback');
  // The aborted script is the only error.
  assert.ok(page.errors.every((e) => /pipelab-editor|ERR_FAILED/.test(e)), page.errors.join('\n'));
  await context.close();
});

test('dark mode follows the system and the toggle overrides it', async () => {
  const page = await openPage(env.browser, { colorScheme: 'dark' });
  await page.goto(`${env.url}#example/argo-events-ml-pipeline`);
  await ready(page);
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await page.waitForSelector('.cm-editor');
  const editorBg = await page.$eval('.cm-editor', (e) => getComputedStyle(e).backgroundColor);
  assert.equal(editorBg, 'rgb(40, 44, 52)');
  await screenshot(page, '09-dark');
  await page.click('[data-testid=theme-toggle]'); // system → dark
  await page.click('[data-testid=theme-toggle]'); // dark → light
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  await page.reload();
  await ready(page);
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  await page.click('[data-testid=theme-toggle]'); // light → system (dark)
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  // The pictures in dark mode: a Send's DAG and node details, and Azure's stage graph. Node
  // labels must contrast with their boxes (the SVG's light palette is restyled by the page).
  await page.click('[data-testid=panel-event-argo]');
  await page.click('[data-testid=send-event]');
  await page.waitForSelector('[data-testid=workflow][data-phase=Succeeded]');
  await page.click('[data-testid=node][data-name="train-model"]');
  await page.waitForSelector('[data-testid=node-details]');
  const contrast = (sel) => page.$eval(sel, (label) => {
    const lum = (c) => {
      const [r, g, b] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const box = label.closest('.pl-node').querySelector('.pl-box');
    const [a, b] = [lum(getComputedStyle(label).fill), lum(getComputedStyle(box).fill)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
  const ratio = await contrast('[data-testid=workflow-graph] .pl-node .pl-label');
  assert.ok(ratio >= 4.5, `DAG label contrast ${ratio.toFixed(2)} < 4.5`);
  await screenshot(page, '09b-dark-event');
  await page.goto(`${env.url}#example/azure-dynamic-multistage`);
  await ready(page);
  await page.click('[data-testid=panel-graph-azure]');
  await page.waitForSelector('.graph-canvas .pl-node');
  const stageRatio = await contrast('.graph-canvas .pl-node .pl-label');
  assert.ok(stageRatio >= 4.5, `stage label contrast ${stageRatio.toFixed(2)} < 4.5`);
  await screenshot(page, '09c-dark-graph');
  await page.context().close();
});

test('Ctrl+Enter re-runs at once', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.url);
  await ready(page);
  await page.click('[data-testid=panel-problems]');
  await page.click('.cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('\nbroken: [\n');
  await page.keyboard.press('Control+Enter');
  // Well before the 150 ms debounce would have fired.
  await page.locator('[data-testid=problem]').first().waitFor({ timeout: 100 });
  assert.ok(!(await page.textContent('.cm-content')).includes('broken: [\n\n'), 'Ctrl+Enter must not insert a newline');
  await page.context().close();
});

test('each tab keeps its own undo history', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/azure-dynamic-multistage`);
  await ready(page);
  await page.click('[data-testid=file-tab][data-name="vars_dev.yml"]');
  await page.click('.cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('  extra: 1');
  await page.click('[data-testid=file-tab][data-name="vars_prod.yml"]');
  await page.waitForFunction(() => document.querySelector('.cm-content').textContent.includes('vars_prod.yml'));
  await page.click('[data-testid=file-tab][data-name="vars_dev.yml"]');
  await page.waitForFunction(() => document.querySelector('.cm-content').textContent.includes('extra: 1'));
  await page.click('.cm-content');
  for (let i = 0; i < 3; i++) await page.keyboard.press('Control+Z');
  await page.waitForFunction(() => !document.querySelector('.cm-content').textContent.includes('extra'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
