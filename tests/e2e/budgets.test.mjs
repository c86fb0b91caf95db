// Budgets from issue 2, measured in the release build: first-load size (what the page fetches
// when it opens) and edit → problems time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite, openPage, ready, dist, median, replaceText } from './harness.mjs';

const env = suite();

/** gzip size of each dist file the page fetched, by file name. */
function fetchedSizes(urls) {
  const sizes = new Map();
  for (const url of urls) {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'index.html';
    const bytes = readFileSync(join(dist, name));
    sizes.set(name, { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length });
  }
  return sizes;
}

function report(title, sizes) {
  let total = 0;
  const rows = [];
  for (const [name, { raw, gz }] of sizes) {
    total += gz;
    rows.push(`${name.padEnd(48)} ${String(raw).padStart(8)} B raw ${String(gz).padStart(8)} B gzip`);
  }
  console.log(`${title}\n${rows.join('\n')}\ntotal gzip: ${total} B (${(total / 1024).toFixed(1)} KiB)`);
  return total;
}

test('first load of everything the page fetches (wasm, js, css, editor bundle) is at most 500 KB gzip; the engine module comes later', async () => {
  const page = await openPage(env.browser);
  const urls = new Set();
  page.on('response', (r) => { if (r.url().startsWith(env.url) && r.status() === 200) urls.add(r.url().split('#')[0].split('?')[0]); });
  await page.goto(`${env.url}#example/argo-events-ml-pipeline`);
  await ready(page);
  await page.waitForLoadState('networkidle');
  const first = fetchedSizes(urls);
  const total = report('first load:', first);
  assert.ok([...first.keys()].some((n) => n.endsWith('_bg.wasm')), 'the app module is fetched');
  assert.ok(![...first.keys()].some((n) => n.startsWith('pipelab-engine')), 'the engine module is not part of the first load');
  assert.ok(total <= 500_000, `first load is ${total} B gzip`);
  // Opening the Event panel loads the engine module (the prefilled form comes from it).
  const started = Date.now();
  await page.click('[data-testid=panel-event-argo]');
  await page.waitForSelector('[data-testid=send-event]');
  const elapsed = Date.now() - started;
  const engine = new Map([...fetchedSizes(urls)].filter(([n]) => !first.has(n)));
  assert.ok([...engine.keys()].some((n) => n === 'pipelab-engine_bg.wasm'), 'the engine module is fetched when the Event panel opens');
  report(`loaded when the Event panel opens (form shown after ${elapsed} ms, load included):`, engine);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

for (const example of ['azure-dynamic-multistage', 'argo-events-ml-pipeline']) {
  test(`edit → problems updated: median ≤ 16 ms for ${example}`, async () => {
    const page = await openPage(env.browser);
    await page.goto(`${env.url}#example/${example}`);
    await ready(page);
    await page.click('[data-testid=panel-problems]');
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.evaluate(() => { window.__pipelabTimings = []; });
    const runs = 30;
    for (let i = 0; i < runs; i++) {
      // Alternate between a valid and an invalid file so the problem list changes every time.
      await page.keyboard.insertText(i % 2 ? ']' : '\nx: [');
      await page.keyboard.press('Control+Enter');
      await page.waitForFunction((n) => window.__pipelabTimings.length >= n, i + 1);
    }
    const timings = await page.evaluate(() => window.__pipelabTimings);
    const med = median(timings);
    console.log(`${example}: analysis + render over ${timings.length} edits: median ${med.toFixed(2)} ms, max ${Math.max(...timings).toFixed(2)} ms`);
    assert.equal(timings.length, runs);
    assert.ok(med <= 16, `median ${med} ms`);
    await page.context().close();
  });
}

// The Azure panels recompute on each analysis while they are visible: the same budget holds.
for (const panel of ['final-yaml', 'run-azure', 'graph-azure']) {
  test(`edit → ${panel} panel updated: median ≤ 16 ms for azure-dynamic-multistage`, async () => {
    const page = await openPage(env.browser);
    await page.goto(`${env.url}#example/azure-dynamic-multistage`);
    await ready(page);
    await page.click(`[data-testid=panel-${panel}]`);
    // The Run panel is computed by the engine module after the analysis: it records its own
    // timings (analysis start → the panel showing the engine's answer for that analysis).
    const viaEngine = panel !== 'final-yaml';
    const key = viaEngine ? '__pipelabPanelTimings' : '__pipelabTimings';
    if (panel === 'run-azure') await page.waitForSelector('[data-testid=stage][data-name=prod]');
    if (panel === 'graph-azure') await page.waitForSelector('[data-testid=graph-canvas] [data-id="stage:prod"]');
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.evaluate((k) => { window[k] = []; }, key);
    const runs = 30;
    for (let i = 0; i < runs; i++) {
      // Comments keep the pipeline valid, so every analysis expands (and simulates) it in full.
      await page.keyboard.insertText(`\n# edit ${i}`);
      await page.keyboard.press('Control+Enter');
      await page.waitForFunction(([k, n]) => (window[k] || []).length >= n, [key, i + 1]);
    }
    const timings = await page.evaluate((k) => window[k], key);
    const med = median(timings);
    // The panel shows the last analysis: the pipeline expanded and simulated.
    const shown = { 'final-yaml': '[data-testid=final-yaml-text]', 'run-azure': '[data-testid=stage][data-name=prod]', 'graph-azure': '[data-testid=graph-canvas] [data-id="stage:prod"]' }[panel];
    assert.match(await page.textContent(shown), /stage: build|prod/);
    console.log(`${panel} panel: analysis + ${viaEngine ? 'engine module call + ' : ''}panel + render over ${timings.length} edits: median ${med.toFixed(2)} ms, max ${Math.max(...timings).toFixed(2)} ms`);
    assert.equal(timings.length, runs);
    assert.ok(med <= 16, `median ${med} ms`);
    await page.context().close();
  });
}

test('edit → new graph for a generated 2,000-line pipeline: median ≤ 50 ms', async () => {
  // 100 stages of 2 jobs of 3 steps, each stage depending on the one before: ~2,000 lines.
  const lines = ['trigger: none', 'stages:'];
  for (let s = 0; s < 100; s++) {
    lines.push(`- stage: s${s}`, `  displayName: Stage ${s}`, '  jobs:');
    for (let j = 0; j < 2; j++) {
      lines.push(`  - job: j${j}`, `    displayName: Job ${s}.${j}`, '    pool:', '      vmImage: ubuntu-latest', '    steps:');
      for (let k = 0; k < 3; k++) lines.push(`    - script: echo ${s}.${j}.${k}`, `      displayName: Step ${k}`);
    }
  }
  const text = lines.join('\n');
  const page = await openPage(env.browser);
  await page.goto(env.url);
  await ready(page);
  await replaceText(page, text);
  await page.click('[data-testid=panel-graph-azure]');
  await page.waitForSelector('[data-testid=graph-canvas] [data-id="stage:s99"]', { timeout: 60000 });
  await page.click('.cm-content');
  await page.keyboard.press('Control+End');
  await page.evaluate(() => { window.__pipelabPanelTimings = []; });
  const runs = 10;
  for (let i = 0; i < runs; i++) {
    await page.keyboard.insertText(`\n# edit ${i}`);
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction((n) => (window.__pipelabPanelTimings || []).length >= n, i + 1, { timeout: 60000 });
  }
  const timings = await page.evaluate(() => window.__pipelabPanelTimings);
  const med = median(timings);
  console.log(`generated pipeline (${lines.length} lines, 100 stages): analysis + engine (expand + simulate + layout + SVG) + render over ${runs} edits: median ${med.toFixed(2)} ms, max ${Math.max(...timings).toFixed(2)} ms`);
  assert.equal(await page.locator('[data-testid=graph-canvas] .pl-node').count(), 100);
  assert.ok(med <= 50, `median ${med} ms`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
