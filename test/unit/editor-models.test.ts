/** What the editor shows, tested without the editor: status item, plan view, setup checks, seam.toml edits. */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setOwnerOverride } from '../../src/core/config/edit';
import { DEFAULT_SEAM_CONFIG, readSeamToml, writeSeamToml } from '../../src/core/config/seamToml';
import { cacheChecks, evaluateSetup, parseNvidiaSmi, parseProcNvidia, type SetupProbes } from '../../src/core/env/setup';
import { planWrites } from '../../src/core/generate/write';
import { openProject } from '../../src/core/project';
import { kindsLabel } from '../../src/extension/models/kinds';
import { escapeHtml, planViewModel, renderPlanHtml } from '../../src/extension/models/planView';
import { setupHtml } from '../../src/extension/models/setupView';
import { next, present, type StatusState } from '../../src/extension/models/status';
import { ROOT, SHARED } from '../helpers';

describe('status item (state machine)', () => {
  const scanned = (o: Partial<{ manifests: number; converted: boolean; trusted: boolean; target: 'cpu' | 'cuda' }>) => ({
    type: 'scanned' as const,
    folder: 'proj',
    manifests: 2,
    converted: false,
    trusted: true,
    target: 'cpu' as const,
    ...o,
  });
  it('is hidden without manifests, says "Seam: convert" until converted, then target and state', () => {
    let s: StatusState = { kind: 'hidden' };
    s = next(s, scanned({ manifests: 0 }));
    assert.equal(present(s).visible, false);
    s = next(s, scanned({}));
    assert.deepEqual(present(s), {
      visible: true,
      text: '$(play-circle) Seam: convert',
      tooltip: 'Make proj a reproducible Nix + uv environment (cpu and cuda)',
      command: 'seam.convert',
    });
    s = next(s, { type: 'busy', what: 'converting' });
    assert.equal(present(s).text, '$(sync~spin) Seam: converting');
    s = next(s, { type: 'done', converted: true, target: 'cpu' });
    assert.equal(present(s).text, '$(sync~spin) cpu · resolving…');
    s = next(s, { type: 'resolved', details: { python: '3.11 (python311)', nixpkgs: 'abc123 (flake.lock)' } });
    assert.equal(present(s).text, '$(server) cpu · ready');
    assert.equal(present(s).command, 'seam.selectTarget');
    assert.equal(
      present(s).tooltip,
      'Seam · proj · cpu shell\nPython: 3.11 (python311)\nnixpkgs: abc123 (flake.lock)\nClick to switch target',
    );
  });
  it('switching target resolves again; a stale environment keeps working while it updates', () => {
    let s: StatusState = next(next({ kind: 'hidden' }, scanned({ converted: true })), { type: 'resolved', details: {} });
    s = next(s, { type: 'target', target: 'cuda' });
    assert.equal(present(s).text, '$(sync~spin) cuda · resolving…');
    s = next(s, {
      type: 'resolved',
      details: { gpu: '8× NVIDIA H200', driver: '570.133.20 (runs CUDA up to 12.8)', cuda: '12.8 in the flake' },
    });
    assert.equal(present(s).text, '$(chip) cuda · ready');
    assert.match(present(s).tooltip, /GPU: 8× NVIDIA H200\nDriver: 570\.133\.20 \(runs CUDA up to 12\.8\)\nCUDA: 12\.8 in the flake/);
    s = next(s, { type: 'resolving' });
    assert.equal(present(s).text, '$(chip) cuda · updating…');
  });
  it('shows a driver that is too old, and a failed resolution with its fix in the tooltip', () => {
    const ready = next(next({ kind: 'hidden' }, scanned({ converted: true, target: 'cuda' })), {
      type: 'resolved',
      details: { problem: 'the flake uses CUDA 12.9, which needs a newer driver than 515.65.01', short: 'driver too old' },
    });
    assert.equal(present(ready).text, '$(warning) cuda · driver too old');
    const failed = next(ready, {
      type: 'unresolved',
      problem: 'flakes are not enabled in Nix — fix: add experimental-features',
      short: 'flakes off',
    });
    assert.equal(present(failed).text, '$(warning) cuda · flakes off');
    assert.match(present(failed).tooltip, /⚠ flakes are not enabled in Nix — fix: add experimental-features/);
    // The click performs the fix (stage files, retry, settings); a working environment's click switches target.
    assert.deepEqual([present(failed).command, present(failed).tooltip.split('\n').pop()], ['seam.fixEnvironment', 'Click to fix']);
    assert.equal(present(ready).command, 'seam.selectTarget');
  });
  it('in an untrusted workspace points at trust, and picks trust up without a reload', () => {
    let s = next({ kind: 'hidden' }, scanned({ trusted: false }));
    assert.deepEqual([present(s).text, present(s).command], ['$(shield) Seam', 'workbench.trust.manage']);
    s = next(s, { type: 'trusted', converted: false, target: 'cpu' });
    assert.equal(present(s).command, 'seam.convert');
  });
  it('a cancelled or failed run goes back or says so', () => {
    const ready: StatusState = { kind: 'unconverted', folder: 'proj', manifests: 2 };
    const busy = next(ready, { type: 'busy', what: 'converting' });
    assert.deepEqual(next(busy, { type: 'done', converted: false, target: 'cpu' }), ready);
    const failed = next(busy, { type: 'failed', message: 'flake.nix does not parse' });
    assert.deepEqual([present(failed).command, present(failed).tooltip], ['seam.showLog', 'flake.nix does not parse (click for the log)']);
  });
});

describe('plan view', () => {
  const root = path.join(ROOT, 'examples', 'ml-project');
  const project = openProject(root);
  const conv = project.conversion({ seamVersion: 't' });
  const model = planViewModel(project, planWrites(root, conv.files, false), 'ml-project', true);
  it('puts conflicts first with the three choices, then every package with owners, version and reason', () => {
    assert.deepEqual(
      model.conflicts.map((c) => c.name),
      ['numpy', 'onnxruntime', 'torch'],
    );
    assert.deepEqual(
      model.conflicts[2].choices.map((c) => c.label),
      ["Accept Nix's 2.2.1", 'Move to uv', 'Keep the pin (pin another nixpkgs)'],
    );
    const torch = model.rows.find((r) => r.name === 'torch')!;
    assert.deepEqual([torch.owners, torch.version, torch.requested, torch.warn], [{ cpu: 'Nix', cuda: 'Nix' }, '2.2.1', '==2.3.1', true]);
    assert.match(torch.reason, /^Nix: native, CUDA-aware; the cuda shell builds it with CUDA/);
    assert.deepEqual(model.hidden, ['pip', 'python', 'pytorch-cuda', 'setuptools']);
    assert.equal(model.approximate, true, 'no pin read here: the bundle');
    assert.match(model.versions, /^Versions: Seam's bundled knowledge of nixpkgs — approximate, not read from the pinned nixpkgs/);
    assert.deepEqual(
      model.files.map((f) => [f.path, f.action]),
      [
        ['flake.nix', 'create'],
        ['seam.toml', 'keep'],
        ['.gitignore', 'create'],
        ['seam-plan.txt', 'create'],
      ],
    );
  });
  it('renders HTML with a nonce CSP, escaping every manifest text', () => {
    const evil = { ...model, folder: '<img src=x onerror=alert(1)>', rows: [{ ...model.rows[0], name: '"><script>alert(1)</script>' }] };
    const html = renderPlanHtml(evil, { nonce: 'N0NCE', cspSource: 'vscode-resource:' });
    assert.match(html, /content="default-src 'none'; style-src vscode-resource: 'nonce-N0NCE'; script-src 'nonce-N0NCE';"/);
    assert.doesNotMatch(html, /<img src=x|<script>alert/);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<p class="sub sev-warning">Versions: Seam&#39;s bundled knowledge of nixpkgs — approximate/);
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
  it("shows the binary caches' answer, or a button to ask them (trusted only)", () => {
    const asked = renderPlanHtml(
      { ...model, cache: ['cpu shell: downloads 3 paths (1.0 MiB), builds 1 locally'] },
      { nonce: 'n', cspSource: 'c' },
    );
    assert.match(asked, /<ul class="cache"><li>cpu shell: downloads 3 paths \(1\.0 MiB\), builds 1 locally<\/li><\/ul>/);
    assert.doesNotMatch(asked, /id="cache"/);
    assert.match(renderPlanHtml(model, { nonce: 'n', cspSource: 'c' }), /<button id="cache">Ask the binary caches<\/button>/);
    assert.doesNotMatch(renderPlanHtml({ ...model, trusted: false }, { nonce: 'n', cspSource: 'c' }), /id="cache"/);
  });

  it('offers no writes when untrusted, and a forced convert when files are blocked', () => {
    const untrusted = renderPlanHtml({ ...model, trusted: false }, { nonce: 'n', cspSource: 'c' });
    assert.match(untrusted, /not trusted: Seam shows the plan but writes nothing/);
    assert.doesNotMatch(untrusted, /id="convert"/);
    assert.match(untrusted, /data-choice="accept-nix" data-package="numpy" disabled/);
    const blocked = renderPlanHtml({ ...model, blocked: true }, { nonce: 'n', cspSource: 'c' });
    assert.match(blocked, /<button id="convert" data-force="1">Convert, replacing the files above/);
  });
  it('names the kinds of manifest the way users say them', () => {
    assert.equal(kindsLabel(project.model.manifests), 'conda + pip + pyproject');
    assert.equal(
      kindsLabel([
        { kind: 'pipfile', requirements: [] },
        { kind: 'requirements', requirements: [] },
      ]),
      'pip + Pipfile',
    );
  });
});

describe('seam.toml edits from the plan review', () => {
  const base = writeSeamToml(DEFAULT_SEAM_CONFIG, { python: { version: '3.12', reason: 'r' }, cuda: { version: '12.9', reason: 'r' } });
  it('adds an override under [overrides], keeping every other line and comment', () => {
    const out = setOwnerOverride(base, 'Torch', 'uv');
    assert.deepEqual(readSeamToml(out, 'seam.toml').config.overrides, { torch: { owner: 'uv' } });
    assert.equal(out.replace('torch = { owner = "uv" }\n', ''), base);
  });
  it('replaces an existing override in place, however its name is spelled', () => {
    const once = setOwnerOverride(base, 'torch', 'uv');
    const twice = setOwnerOverride(once.replace('torch =', 'Torch ='), 'torch', 'nix');
    assert.deepEqual(readSeamToml(twice, 'seam.toml').config.overrides, { torch: { owner: 'nix' } });
    assert.equal(twice.split('\n').length, once.split('\n').length);
  });
  it('appends [overrides] when the file has none, and refuses a file that does not parse', () => {
    assert.equal(setOwnerOverride('policy = "nix"', 'numpy', 'uv'), 'policy = "nix"\n\n[overrides]\nnumpy = { owner = "uv" }\n');
    assert.throws(() => setOwnerOverride('policy = [', 'numpy', 'uv'), /TOML/);
    assert.throws(() => setOwnerOverride('overrides = { numpy = { owner = "nix" } }\n', 'torch', 'uv'), /inline or dotted/);
  });
});

describe('setup checks: the binary caches', () => {
  const report = (build: { name: string; heavy: boolean; time?: string }[]) => ({
    checked: true,
    fetch: { paths: 10, downloadBytes: 5 * 2 ** 20 },
    build,
  });
  it('says ok when nothing heavy compiles, warns with the fix when torch would, and notes when it could not ask', () => {
    const checks = cacheChecks({
      cpu: report([{ name: 'seam-env', heavy: false }]),
      cuda: report([{ name: 'python3.13-torch-2.9.1', heavy: true, time: '2–6 hours' }]),
    });
    assert.deepEqual(
      checks.map((c) => [c.title, c.status]),
      [
        ['Binary caches (cpu shell)', 'ok'],
        ['Binary caches (cuda shell)', 'warning'],
      ],
    );
    assert.match(checks[1].detail, /cuda shell: downloads 10 paths \(5\.0 MiB\), builds 1 locally, heavy: torch \(2–6 hours\)/);
    assert.match(checks[1].fix!, /nix\.conf/);
    const offline = cacheChecks({ cpu: { checked: false, why: 'nix is not installed', fetch: { paths: 0, downloadBytes: 0 }, build: [] } });
    assert.deepEqual([offline[0].status, offline[0].detail], ['info', 'cpu shell: could not ask the binary caches (nix is not installed)']);
  });
});

describe('setup checks', () => {
  const gpu = (f: string) => fs.readFileSync(path.join(SHARED, 'data', 'gpu', f), 'utf8');
  const probes = (o: Partial<SetupProbes>): SetupProbes => ({
    platform: 'linux',
    nixVersion: 'nix (Nix) 2.8.0',
    nixConfig: 'experimental-features = flakes nix-command\n',
    nvidiaSmi: null,
    procNvidia: null,
    openglDriver: false,
    ...o,
  });
  const byId = (checks: ReturnType<typeof evaluateSetup>) => Object.fromEntries(checks.map((c) => [c.id, c]));

  it('reads nvidia-smi tables of several driver generations (real outputs)', function () {
    if (!fs.existsSync(path.join(SHARED, 'data', 'gpu'))) this.skip();
    const h200 = parseNvidiaSmi(gpu('nvidia-smi-8x-h200-driver570.txt'));
    assert.deepEqual([h200.driver, h200.cuda, h200.gpus.length, h200.gpus[0]], ['570.133.20', '12.8', 8, 'NVIDIA H200']);
    const t4 = parseNvidiaSmi(gpu('nvidia-smi-t4-driver440-cuda10.2.txt'));
    assert.deepEqual([t4.driver, t4.cuda, t4.gpus], ['440.64.00', '10.2', ['Tesla T4']]);
    assert.equal(
      parseNvidiaSmi(gpu('nvidia-smi-error-driver-not-loaded.txt')).error,
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    );
    assert.equal(parseProcNvidia(gpu('proc-driver-nvidia-version-open-550.144.03.txt')), '550.144.03');
    assert.equal(parseProcNvidia(gpu('proc-driver-nvidia-version-proprietary-375.74.txt')), '375.74');
  });
  it('says how to fix a missing Nix, old Nix, and flakes off', () => {
    assert.match(byId(evaluateSetup(probes({ nixVersion: null }), '12.9')).nix.fix!, /nixos\.org\/download/);
    assert.equal(byId(evaluateSetup(probes({ nixVersion: 'nix (Nix) 2.3.16' }), '12.9')).nix.status, 'missing');
    const flakes = byId(evaluateSetup(probes({ nixConfig: 'experimental-features = \n' }), '12.9')).flakes;
    assert.equal(flakes.status, 'missing');
    assert.match(flakes.fix!, /experimental-features = nix-command flakes/);
  });
  it("checks the driver against the plan's CUDA", function () {
    if (!fs.existsSync(path.join(SHARED, 'data', 'gpu'))) this.skip();
    const old = byId(evaluateSetup(probes({ nvidiaSmi: gpu('nvidia-smi-t4-driver440-cuda10.2.txt') }), '12.9'));
    assert.equal(old.driver.status, 'missing');
    assert.match(old.driver.detail, /driver 440\.64\.00 is older than 525, the first that runs CUDA 12\.x builds/);
    const h100 = byId(evaluateSetup(probes({ nvidiaSmi: gpu('nvidia-smi-h100-80gb-driver580-cuda13.0.txt'), openglDriver: true }), '13.0'));
    assert.deepEqual([h100.gpu.status, h100.driver.status], ['ok', 'ok']);
    const mismatch = byId(evaluateSetup(probes({ nvidiaSmi: gpu('nvidia-smi-error-nvml-driver-library-mismatch.txt') }), '12.9'));
    assert.match(mismatch.gpu.fix!, /reboot/);
    assert.equal(byId(evaluateSetup(probes({}), '12.9')).gpu.status, 'info', 'no GPU: the cpu target is enough');
    assert.equal(byId(evaluateSetup(probes({ platform: 'darwin' }), '12.9')).gpu.status, 'info');
  });
  it('empty nvidia-smi output is an error to report, not a crash', () => {
    assert.deepEqual(parseNvidiaSmi(''), { driver: null, cuda: null, gpus: [], error: 'nvidia-smi printed nothing' });
  });
});

describe('setup check page', () => {
  it('renders each check with its fix, every text escaped, and runs no script', () => {
    const html = setupHtml(
      [
        { id: 'nix', title: 'Nix', status: 'ok', detail: 'nix 2.8 <b>here</b>' },
        { id: 'gpu', title: 'GPU', status: 'missing', detail: 'no driver', fix: 'install "nvidia" & reboot' },
      ] as Parameters<typeof setupHtml>[0],
      'proj<script>',
      'vscode-resource:',
    );
    assert.match(html, /<h2>GPU: needs attention<\/h2><p>no driver<\/p><p><b>Fix:<\/b> install &quot;nvidia&quot; &amp; reboot<\/p>/);
    assert.match(html, /nix 2\.8 &lt;b&gt;here&lt;\/b&gt;/);
    assert.match(html, /proj&lt;script&gt;/);
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /default-src 'none'/);
  });
});

describe('walkthrough', () => {
  it('a step that can fail completes when it succeeded, not when its command was clicked', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const steps = Object.fromEntries(
      pkg.contributes.walkthroughs[0].steps.map((s: { id: string; completionEvents: string[] }) => [s.id, s.completionEvents]),
    );
    assert.deepEqual(steps.setup, ['onContext:seam.setupChecked']);
    assert.deepEqual(steps.convert, ['onContext:seam.converted']);
    assert.deepEqual(steps.terminal, ['onContext:seam.terminalOpened']);
    // Each context is set by the code, after the step's work succeeded.
    const src = (f: string) => fs.readFileSync(path.join(ROOT, 'src', 'extension', f), 'utf8');
    assert.match(
      src('setup.ts'),
      /page\.reveal\(\);\n\s*await vscode\.commands\.executeCommand\('setContext', 'seam\.setupChecked', true\)/,
    );
    assert.match(src('convert.ts'), /ws\.done\(state\.folder\);[\s\S]*setContext', 'seam\.converted', true/);
    assert.match(src('target.ts'), /terminal\.show\(\);[\s\S]*setContext', 'seam\.terminalOpened', true/);
  });
});
