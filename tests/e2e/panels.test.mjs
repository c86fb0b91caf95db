// The result panels in real headless Chromium: Azure's final YAML and a simulated run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, openPage, ready, screenshot, replaceText } from './harness.mjs';

const env = suite();

test('azure-dynamic-multistage: final YAML, then a failed build skips dev and prod with the reason', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/azure-dynamic-multistage`);
  await ready(page);
  await page.click('[data-testid=panel-final-yaml]');
  const yaml = await page.textContent('[data-testid=final-yaml-text]');
  assert.match(yaml, /stage: build/);
  assert.match(yaml, /stage: dev[\s\S]*deployment: deploy_wus[\s\S]*stage: prod[\s\S]*deployment: deploy_eus/);
  await screenshot(page, '10-final-yaml');

  // Download hands the browser a file named after the pipeline.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-yaml]')]);
  assert.equal(download.suggestedFilename(), 'azure-pipelines.final.yml');

  await page.click('[data-testid=panel-run-azure]');
  await page.waitForSelector('[data-testid=stage][data-name=prod][data-result=Succeeded]');
  await page.click('[data-testid=job][data-name="build.build"]');
  await page.waitForSelector('[data-testid=stage][data-name=build][data-result=Failed]');
  for (const stage of ['dev', 'prod']) {
    const card = page.locator(`[data-testid=stage][data-name=${stage}]`);
    assert.equal(await card.getAttribute('data-result'), 'Skipped');
    assert.match(await card.locator(':scope > .why [data-testid=reason]').textContent(), /Condition 'succeeded\(\)' evaluated to False/);
  }
  assert.match(await page.textContent('[data-testid=stage][data-name=dev] > .why [data-testid=reason]'), /build=Failed/);
  await screenshot(page, '11-run-azure-build-failed');

  // A stage's header selects its source in the editor.
  await page.click('[data-testid=stage][data-name=build] header');
  await page.waitForFunction(() => document.querySelector('.tab.active')?.dataset.name === '@templates/environments.yml');
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent.includes('stage: build'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

// The Send runs in the engine module, which the page loads on the first Send.
test('argo-events-ml-pipeline: Send the POST, the Workflow runs train-model then evaluate-model', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/argo-events-ml-pipeline`);
  await ready(page);
  await page.click('[data-testid=panel-event-argo]');
  assert.equal(await page.inputValue('[data-testid=event-body]'), '{"model":"resnet","dataset":"imagenet"}');
  // The event flow of the manifests: EventSource → Sensor → trigger.
  const flowIds = () => page.$$eval('[data-testid=event-flow] .pl-node', (els) => els.map((e) => e.dataset.id));
  assert.deepEqual(await flowIds(), ['es:webhook/trigger', 'sensor:ml-pipeline-sensor', 'trigger:ml-pipeline-sensor/trigger-ml-pipeline']);
  // Its nodes are click-to-source too: the trigger selects its entry in the Sensor, and the
  // cursor in the EventSource's event marks the event.
  await page.click('[data-testid=event-flow] [data-id="trigger:ml-pipeline-sensor/trigger-ml-pipeline"]');
  await page.waitForFunction(() => document.querySelector('.tab.active')?.dataset.name === 'sensor.yaml');
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent.includes('- template:'));
  await page.click('[data-testid=file-tab][data-name="event-source.yaml"]');
  await page.click('.cm-line:has-text("endpoint: /trigger")', { position: { x: 4, y: 4 } });
  await page.waitForSelector('[data-testid=event-flow] [data-id="es:webhook/trigger"].pl-selected');
  assert.match(await page.textContent('[data-testid=curl]'),
    /^curl -X POST http:\/\/localhost:12000\/trigger -H 'Content-Type: application\/json' -d '\{"model":"resnet","dataset":"imagenet"\}'$/);
  await page.click('[data-testid=send-event]');
  await page.waitForSelector('[data-testid=workflow][data-phase=Succeeded]');
  assert.equal(await page.getAttribute('[data-testid=trigger-outcome]', 'data-fired'), 'true');
  // After the Send: counts, the fired trigger and the Workflow it created.
  assert.equal((await flowIds()).length, 4);
  assert.match(await page.textContent('[data-testid=event-flow] [data-id="es:webhook/trigger"]'), /1 event/);
  assert.match(await page.textContent('[data-testid=event-flow] [data-id="trigger:ml-pipeline-sensor/trigger-ml-pipeline"]'), /fired 1×/);
  for (const name of ['train-model', 'evaluate-model']) {
    assert.equal(await page.getAttribute(`[data-testid=node][data-name="${name}"]`, 'data-phase'), 'Succeeded');
  }
  await page.click('[data-testid=node][data-name="train-model"] summary');
  assert.match(await page.textContent('[data-testid=node][data-name="train-model"] [data-testid=logs]'), /Training resnet\.\.\./);
  // The DAG as the Argo UI draws it: the nodes in Argo's phase colours.
  const dag = await page.$$eval('[data-testid=workflow-graph] .pl-node', (els) => els.map((e) => `${e.querySelector('.pl-label').textContent}:${e.getAttribute('class')}`));
  assert.ok(dag.some((d) => /^train-model:.*pl-kind-pod.*pl-status-succeeded/.test(d)), dag.join('\n'));
  assert.ok(dag.some((d) => /^evaluate-model:.*pl-status-succeeded/.test(d)), dag.join('\n'));
  // The generated Workflow, downloadable as the Sensor created it.
  const [manifestDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-manifest]')]);
  const { readFile: readManifest } = await import('node:fs/promises');
  const manifest = JSON.parse(await readManifest(await manifestDownload.path(), 'utf8'));
  assert.equal(manifest.kind, 'Workflow');
  assert.deepEqual(manifest.spec.arguments.parameters.map((p) => p.value), ['resnet', 'imagenet']);
  // Node details, as the Argo UI's node panel: click evaluate-model in the DAG.
  await page.click(`[data-testid=workflow-graph] .pl-node:has(.pl-label:text-is("evaluate-model"))`);
  await page.waitForSelector('[data-testid=node-details]');
  const details = await page.textContent('[data-testid=node-details]');
  assert.match(details, /evaluate-model/);
  assert.match(details, /Template\s*evaluate/);
  assert.match(await page.textContent('[data-testid=node-inputs]'), /dataset\s*imagenet/);
  assert.match(await page.textContent('[data-testid=node-outputs]'), /exitCode\s*0/);
  assert.match(await page.textContent('[data-testid=node-logs]'), /^Evaluating imagenet\.\.\.$/);
  assert.match(await page.textContent('[data-testid=node-duration]'), /^\d+(\.\d)?s$/);
  assert.equal(await page.getAttribute('[data-testid=node][data-name="evaluate-model"]', 'class'), 'selected');
  // Argo's progress: both pods done.
  assert.equal(await page.textContent('[data-testid=workflow] [data-testid=progress]'), '2/2');
  await screenshot(page, '12-event-argo-sent');
  // Click-to-source: the click also selected evaluate-model's DAG task in the WorkflowTemplate,
  // the cursor at its start.
  await page.waitForFunction(() => document.querySelector('.tab.active')?.dataset.name === 'workflowtemplate.yaml');
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent.includes('- name: evaluate-model'));
  assert.match(await page.evaluate(() => getSelection().toString()), /^name: evaluate-model\s+dependencies: \[train-model\]\s+template: evaluate/);
  // And back: the cursor in train-model's task marks train-model in the DAG (and nothing else).
  await page.click('.cm-line:has-text("template: train")', { position: { x: 4, y: 4 } });
  await page.waitForSelector('[data-testid=workflow-graph] .pl-node.pl-selected:has(.pl-label:text-is("train-model"))');
  assert.equal(await page.locator('[data-testid=workflow-graph] .pl-selected').count(), 1);
  await screenshot(page, '12a-event-argo-cursor');
  // The keyboard moves between the drawn nodes (drawing order) and shows their details.
  await page.focus('[data-testid=workflow-graph] [data-testid=graph-canvas]');
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('[data-testid=node].selected')?.dataset.name === 'ml-pipeline-run-nk5q6');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('[data-testid=node].selected')?.dataset.name === 'train-model');
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.querySelector('[data-testid=node].selected')?.dataset.name === 'evaluate-model');
  // Export SVG of the Workflow's DAG: a valid standalone SVG with its nodes, named after it.
  const [dagDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=workflow-graph] [data-testid=export-svg]')]);
  assert.equal(dagDownload.suggestedFilename(), 'ml-pipeline-run-nk5q6.graph.svg');
  const dagSvg = await page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    return { error: doc.querySelector('parsererror') !== null, root: doc.documentElement.nodeName, labels: [...doc.querySelectorAll('.pl-node .pl-label')].map((e) => e.textContent) };
  }, await readManifest(await dagDownload.path(), 'utf8'));
  assert.deepEqual(dagSvg, { error: false, root: 'svg', labels: ['ml-pipeline-run-nk5q6', 'train-model', 'evaluate-model'] });
  // Scrub back. A pod is Pending from its creation until its containers start (1–2 s here):
  // at 0.5 s train-model is Pending and evaluate-model does not exist yet (the controller creates
  // it when train-model succeeds, at 3 s); at 2.5 s train-model runs; at 3.5 s evaluate-model is
  // Pending; the DAG follows.
  const phases = () => page.$$eval('[data-testid=node]', (els) => Object.fromEntries(els.map((e) => [e.dataset.name, e.dataset.phase])));
  const scrubTo = async (t, node, phase) => {
    await page.fill('[data-testid=timeline-scrubber]', String(t));
    await page.waitForFunction(([t, node, phase]) => document.querySelector('[data-testid=timeline-time]')?.textContent.startsWith(`t = ${t}s`)
      && document.querySelector(`[data-testid=node][data-name="${node}"]`)?.dataset.phase === phase, [t, node, phase]);
  };
  await scrubTo(0.5, 'train-model', 'Pending');
  assert.deepEqual(await phases(), { 'ml-pipeline-run-nk5q6': 'Running', 'train-model': 'Pending', 'evaluate-model': '' });
  assert.equal(await page.textContent('[data-testid=workflow] [data-testid=progress]'), '0/1');
  await scrubTo(2.5, 'train-model', 'Running');
  assert.deepEqual(await phases(), { 'ml-pipeline-run-nk5q6': 'Running', 'train-model': 'Running', 'evaluate-model': '' });
  const labels = () => page.$$eval('[data-testid=workflow-graph] .pl-label', (els) => els.map((e) => e.textContent));
  assert.ok(!(await labels()).includes('evaluate-model'));
  assert.equal(await page.getAttribute('[data-testid=workflow]', 'data-phase'), 'Running');
  // The event flow follows the timeline too: the Workflow it created is running then.
  assert.match(await page.getAttribute('[data-testid=event-flow] [data-id^="workflow:"]', 'class'), /pl-status-running/);
  await screenshot(page, '12b-event-argo-scrubbed');
  await scrubTo(3.5, 'evaluate-model', 'Pending');
  assert.deepEqual(await phases(), { 'ml-pipeline-run-nk5q6': 'Running', 'train-model': 'Succeeded', 'evaluate-model': 'Pending' });
  assert.equal(await page.textContent('[data-testid=workflow] [data-testid=progress]'), '1/2');
  const dagAt = await page.$$eval('[data-testid=workflow-graph] .pl-node', (els) => els.map((e) => `${e.querySelector('.pl-label').textContent}:${e.getAttribute('class')}`));
  assert.ok(dagAt.some((d) => /^evaluate-model:.*pl-status-pending/.test(d)), dagAt.join('\n'));
  // The selected node's details follow the timeline: Pending, so no outputs or logs yet.
  assert.equal(await page.$('[data-testid=node-details] [data-testid=node-logs]'), null);
  assert.equal(await page.$('[data-testid=node-outputs]'), null);
  assert.match(await page.textContent('[data-testid=node-details] header'), /Pending/);
  await screenshot(page, '12c-event-argo-evaluate-pending');
  await page.click('[data-testid=timeline-forward]');
  await page.waitForFunction(() => document.querySelector('[data-testid=node][data-name="evaluate-model"]')?.dataset.phase === 'Running');
  assert.ok((await labels()).includes('evaluate-model'));
  await page.click('[data-testid=timeline-end]');
  await page.waitForFunction(() => document.querySelector('[data-testid=node][data-name="evaluate-model"]')?.dataset.phase === 'Succeeded');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('an engine module that cannot be fetched is a message, and reopening the panel retries', async () => {
  const page = await openPage(env.browser);
  await page.route('**/pipelab-engine.js*', (route) => route.abort());
  await page.goto(`${env.url}#example/argo-events-ml-pipeline`);
  await ready(page);
  await page.click('[data-testid=panel-event-argo]');
  await page.waitForSelector('[data-testid=engine-error]');
  assert.match(await page.textContent('[data-testid=engine-error]'), /The simulation engine could not be loaded: .*pipelab-engine\.js/);
  await screenshot(page, '13-event-argo-engine-unavailable');
  await page.unroute('**/pipelab-engine.js*');
  await page.click('[data-testid=panel-documents]');
  await page.click('[data-testid=panel-event-argo]');
  assert.equal(await page.inputValue('[data-testid=event-body]'), '{"model":"resnet","dataset":"imagenet"}');
  await page.click('[data-testid=send-event]');
  await page.waitForSelector('[data-testid=workflow][data-phase=Succeeded]');
  // The aborted request is the only console error (Chromium reports the failed fetch).
  assert.ok(page.errors.every((e) => /pipelab-engine\.js|Failed to (load resource|fetch)/.test(e)), page.errors.join('\n'));
  await page.context().close();
});

test('azure-dynamic-multistage graph: build → dev → prod with the region deployments; a failed build skips dev and prod with the reason; click-to-source; SVG export', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/azure-dynamic-multistage`);
  await ready(page);
  await page.click('[data-testid=panel-graph-azure]');
  await page.waitForSelector('[data-testid=graph-canvas] svg');
  const ids = await page.$$eval('[data-testid=graph-canvas] [data-id]', (els) => els.map((e) => e.dataset.id));
  for (const id of ['stage:build', 'stage:dev', 'stage:prod', 'job:build.build', 'job:dev.deploy_wus', 'job:prod.deploy_eus', 'job:prod.deploy_wus']) {
    assert.ok(ids.includes(id), `${id} in ${ids}`);
  }
  // Arrows follow Azure's implicit sequential order.
  const edges = await page.$$eval('[data-testid=graph-canvas] .pl-edge', (els) => els.map((e) => `${e.dataset.from}>${e.dataset.to}`));
  assert.deepEqual(edges.sort(), ['stage:build>stage:dev', 'stage:dev>stage:prod']);
  assert.match(await page.textContent('[data-testid=graph-canvas] [data-id="job:prod.deploy_eus"]'), /env prod_eus · runOnce/);
  // The environments matrix: dev and prod × the region deployments.
  const matrix = await page.$$eval('[data-testid=environment-row]', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  assert.deepEqual(matrix, [['dev', 'dev_wus', '—'], ['prod', 'prod_wus', 'prod_eus']]);
  await screenshot(page, '14-graph-azure');
  // Make build fail (Run tab), back to the graph: dev and prod are skipped, with the reason.
  await page.click('[data-testid=panel-run-azure]');
  await page.click('[data-testid=job][data-name="build.build"]');
  await page.click('[data-testid=panel-graph-azure]');
  await page.waitForSelector('[data-testid=graph-canvas] [data-id="stage:prod"].pl-status-skipped');
  assert.match(await page.getAttribute('[data-testid=graph-canvas] [data-id="job:build.build"]', 'class'), /pl-status-failed/);
  assert.match(await page.textContent('[data-testid=graph-canvas] [data-id="stage:dev"] > title'), /Skipped: .*succeeded\(\).*False/s);
  await screenshot(page, '15-graph-azure-build-failed');
  // Click a job: the editor opens the template and selects the job.
  await page.click('[data-testid=graph-canvas] [data-id="job:prod.deploy_eus"]');
  await page.waitForFunction(() => document.querySelector('.tab.active')?.dataset.name === '@templates/environments.yml');
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent.includes('deployment: deploy_'));
  // And back: the cursor on a job's YAML marks that job in the graph.
  await page.click('.cm-line:has-text("- job: build")');
  await page.waitForSelector('[data-testid=graph-canvas] [data-id="job:build.build"].pl-selected');
  assert.equal(await page.locator('[data-testid=graph-canvas] .pl-selected').count(), 1);
  await screenshot(page, '16-graph-azure-cursor');
  // Keyboard: Home, then → to the build job, Enter shows its YAML.
  await page.focus('[data-testid=graph-canvas]');
  await page.keyboard.press('Home');
  await page.waitForSelector('[data-testid=graph-canvas] [data-id="stage:build"].pl-selected');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('[data-testid=graph-canvas] [data-id="job:build.build"].pl-selected');
  await page.click('[data-testid=file-tab][data-name="azure-pipelines.yml"]');
  await page.focus('[data-testid=graph-canvas]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.tab.active')?.dataset.name === '@templates/environments.yml');
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent.includes('job: build'));
  // Export SVG: a valid standalone SVG with the nodes.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-svg]')]);
  assert.equal(download.suggestedFilename(), 'azure-pipelines.graph.svg');
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(await download.path(), 'utf8');
  const parsed = await page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    return { error: doc.querySelector('parsererror') !== null, root: doc.documentElement.nodeName, ids: [...doc.querySelectorAll('[data-id]')].map((e) => e.getAttribute('data-id')) };
  }, text);
  assert.equal(parsed.error, false);
  assert.equal(parsed.root, 'svg');
  assert.ok(parsed.ids.includes('job:prod.deploy_wus'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/** A Workflow (in the example's namespace, as its service account) whose one step fans out over
 * `items`, echoing each: what replaces the example's EventSource file, so Submit runs it. */
function fanOut(name, items) {
  return [
    'apiVersion: argoproj.io/v1alpha1', 'kind: Workflow', 'metadata:', `  name: ${name}`,
    '  namespace: argo-events', 'spec:', '  serviceAccountName: operate-workflow-sa', '  entrypoint: main', '  templates:', '  - name: main', '    steps:', '    - - name: echo',
    '        template: echo', '        arguments:', '          parameters:', '          - name: m',
    "            value: '{{item}}'", `        withItems: [${items.join(', ')}]`, '  - name: echo',
    '    inputs:', '      parameters:', '      - name: m', '    container:', '      image: alpine:3.20',
    "      command: [echo, '{{inputs.parameters.m}}']", '',
  ].join('\n');
}

// Other sources than webhooks get a message form: a Kafka EventSource in place of the webhook.
test('a Kafka EventSource gets a message form with its pipelab run line; Publish runs the Workflow', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/argo-events-ml-pipeline`);
  await ready(page);
  await replaceText(page, [
    'apiVersion: argoproj.io/v1alpha1', 'kind: EventSource', 'metadata:', '  name: webhook', '  namespace: argo-events',
    'spec:', '  kafka:', '    trigger:', '      url: kafka.argo-events:9092', '      topic: ml-jobs', '',
  ].join('\n'));
  await page.click('[data-testid=panel-event-argo]');
  await page.waitForSelector('[data-testid=cli]');
  assert.equal(await page.$('[data-testid=event-url]'), null);
  assert.equal(await page.textContent('[data-testid=cli]'),
    `pipelab run *.yaml --event 'kafka:webhook/trigger={"model":"resnet","dataset":"imagenet"}'`);
  assert.equal(await page.textContent('[data-testid=send-event]'), 'Publish');
  await page.click('[data-testid=send-event]');
  await page.waitForSelector('[data-testid=workflow][data-phase=Succeeded]');
  await screenshot(page, '12e-event-argo-kafka');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

// A large run stays quick to show: the node table and the Gantt draw their first 200 rows until
// "Show all" (the DAG collapses the fan-out anyway).
test('a 300-item fan-out shows 200 rows of its node table and Gantt until Show all', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/argo-events-ml-pipeline`);
  await ready(page);
  await replaceText(page, fanOut('wide', Array.from({ length: 300 }, (_, i) => `i${i}`)));
  await page.click('[data-testid=panel-event-argo]');
  await page.click('[data-testid=submit-workflow]');
  await page.waitForSelector('[data-testid=workflow][data-phase=Succeeded]');
  const count = (selector) => page.locator(selector).count();
  assert.equal(await count('[data-testid=node]'), 200);
  assert.equal(await count('[data-testid=gantt-row]'), 200);
  // The workflow, its step group and 300 pods.
  assert.match(await page.textContent('[data-testid=show-all-nodes]'), /^Show all 302 nodes \(102 more\)$/);
  await page.click('[data-testid=show-all-nodes]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=node]').length === 302);
  assert.equal(await page.$('[data-testid=show-all-nodes]'), null);
  assert.equal(await page.getAttribute('[data-testid=node]:last-child', 'data-name'), 'echo(299:i299)');
  await page.click('[data-testid=show-all-bars]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=gantt-row]').length === 302);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a fan-out over three children is collapsed as the Argo UI does; clicking "N hidden nodes" shows them', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.url}#example/argo-events-ml-pipeline`);
  await ready(page);
  // The EventSource's file becomes a Workflow of its own: no webhook is left, so Submit runs it
  // (as the example's service account, which may report task results).
  await replaceText(page, fanOut('fan-out', ['a', 'b', 'c', 'd', 'e', 'f']));
  await page.click('[data-testid=panel-event-argo]');
  await page.click('[data-testid=submit-workflow]');
  await page.waitForSelector('[data-testid=workflow][data-phase=Succeeded]');
  const labels = () => page.$$eval('[data-testid=workflow-graph] .pl-label', (els) => els.map((e) => e.textContent));
  // The step group fans out to six pods: the first and last are drawn, the middle four hidden.
  assert.ok((await labels()).includes('4 hidden nodes'), (await labels()).join(', '));
  assert.ok((await labels()).includes('echo(0:a)') && (await labels()).includes('echo(5:f)'));
  assert.ok(!(await labels()).includes('echo(2:c)'));
  await page.click('[data-testid=workflow-graph] .pl-node:has(.pl-label:text-is("4 hidden nodes"))');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=workflow-graph] .pl-label')].some((e) => e.textContent === 'echo(2:c)'));
  assert.ok(!(await labels()).includes('4 hidden nodes'));
  await screenshot(page, '12d-event-argo-fan-out-expanded');
  await page.click('[data-testid=collapse-fan-outs]');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=workflow-graph] .pl-label')].some((e) => e.textContent === '4 hidden nodes'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
