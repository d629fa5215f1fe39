/**
 * GPU detection on real outputs of nvidia-smi and /proc/driver/nvidia/version, recorded from public
 * repositories (../shared/data/gpu, provenance in its SOURCES.md), and the CUDA ceiling from
 * NVIDIA's driver table bundled in Seam's knowledge (checked against what nvidia-smi itself says).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DRIVER_ONLY_DIRS, driverShellCode } from '../../src/core/env/driver';
import { cudaCeiling, detectMachine, familyRuns, libcudaDir, parseGpuQuery, parseNvidiaSmi, recommendTarget } from '../../src/core/env/gpu';
import { SHARED, tree } from '../helpers';

const GPU = path.join(SHARED, 'data', 'gpu');
const read = (f: string) => fs.readFileSync(path.join(GPU, f), 'utf8');
const none = { platform: 'linux', query: null, table: null, procNvidia: null, wsl: false, nixos: false };

describe('GPU detection (real tool outputs)', () => {
  before(function () {
    if (!fs.existsSync(GPU)) this.skip();
  });

  it('the CUDA ceiling from the bundled driver table equals what nvidia-smi prints, for every Linux sample', () => {
    const samples = fs.readdirSync(GPU).filter((f) => /^nvidia-smi-.*\.txt$/.test(f) && !/wsl|error|t4-driver440/.test(f));
    assert.ok(samples.length >= 10);
    for (const f of samples) {
      const t = parseNvidiaSmi(read(f));
      assert.ok(t.driver && t.cuda, f);
      assert.equal(cudaCeiling(t.driver!), t.cuda, f);
    }
  });
  it('reads every table layout, multi-GPU machines and truncated names', () => {
    const h200 = parseNvidiaSmi(read('nvidia-smi-8x-h200-driver570.txt'));
    assert.deepEqual([h200.gpus.length, new Set(h200.gpus).size, h200.gpus[0]], [8, 1, 'NVIDIA H200']);
    assert.equal(parseNvidiaSmi(read('nvidia-smi-4x-gh200-aarch64-driver590.txt')).gpus.length, 4);
    assert.deepEqual(parseNvidiaSmi(read('nvidia-smi-tesla-p100-truncated-name-driver470.txt')).gpus, ['Tesla P100-PCIE...']);
    const q = parseNvidiaSmi(read('nvidia-smi-q-rtx4090-wsl2-driver537.txt'));
    assert.deepEqual([q.driver, q.cuda, q.gpus], ['537.13', '12.2', ['NVIDIA GeForce RTX 4090']]);
  });
  it("falls back to the table, then to /proc, and keeps nvidia-smi's error when there is no driver", () => {
    const table = detectMachine({
      ...none,
      query: 'Field "compute_cap" is not a valid field to query.',
      table: read('nvidia-smi-titanv-driver515.txt'),
    });
    assert.deepEqual(
      [table.driver, table.source, table.cudaCeiling, table.gpus[0].name],
      ['515.65.01', 'nvidia-smi table', '11.7', 'NVIDIA TITAN V'],
    );
    const proc = detectMachine({
      ...none,
      query: read('nvidia-smi-error-driver-not-loaded.txt'),
      procNvidia: read('proc-driver-nvidia-version-open-550.144.03.txt'),
    });
    assert.deepEqual([proc.driver, proc.source, proc.cudaCeiling], ['550.144.03', '/proc/driver/nvidia/version', '12.4']);
    const broken = detectMachine({ ...none, query: read('nvidia-smi-error-nvml-driver-library-mismatch.txt') });
    assert.deepEqual([broken.driver, broken.error], [null, 'Failed to initialize NVML: Driver/library version mismatch']);
    assert.equal(detectMachine(none).driver, null);
    assert.equal(detectMachine({ ...none, platform: 'darwin', query: 'x' }).driver, null);
  });
  it('parses the query CSV Seam asks for (values from the recorded H200 machine)', () => {
    const h200 = parseNvidiaSmi(read('nvidia-smi-8x-h200-driver570.txt'));
    const csv = h200.gpus.map((n) => `${n}, ${h200.driver}, 9.0, 143771 MiB`).join('\n');
    const m = detectMachine({ ...none, query: csv });
    assert.deepEqual(m.gpus[0], { name: 'NVIDIA H200', driver: '570.133.20', computeCap: '9.0', memoryMiB: 143771 });
    assert.equal(m.gpus.length, 8);
    assert.deepEqual(parseGpuQuery('[N/A], 470.82.01, [N/A], [N/A]\n').gpus[0], {
      name: '[N/A]',
      driver: '470.82.01',
      computeCap: null,
      memoryMiB: null,
    });
  });
  it("finds the host's libcuda: NixOS, WSL2, or where ldconfig says", () => {
    assert.equal(detectMachine({ ...none, nixos: true }).driverLibDir, '/run/opengl-driver/lib');
    assert.equal(detectMachine({ ...none, wsl: true }).driverLibDir, '/usr/lib/wsl/lib');
    const ldconfig =
      "1234 libs found in cache `/etc/ld.so.cache'\n\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12\n\tlibcuda.so.1 (libc6) => /usr/lib/i386-linux-gnu/libcuda.so.1\n\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1\n";
    assert.equal(libcudaDir(ldconfig), '/usr/lib/x86_64-linux-gnu');
    assert.equal(libcudaDir('\tlibcudart.so.12 (libc6,x86-64) => /x/libcudart.so.12\n'), null);
  });
  it("recommends cuda only when the driver runs the flake's CUDA, and names both versions when it does not", () => {
    const m = (f: string) => detectMachine({ ...none, table: read(f), query: '' });
    assert.deepEqual(recommendTarget(m('nvidia-smi-8x-h200-driver570.txt'), '12.8'), {
      target: 'cuda',
      reason: '8× NVIDIA H200, driver 570.133.20 runs CUDA up to 12.8; the flake uses 12.8',
    });
    const compat = recommendTarget(m('nvidia-smi-8x-h200-driver570.txt'), '12.9');
    assert.equal(compat.target, 'cuda');
    assert.match(compat.warning!, /the flake uses CUDA 12\.9 and driver 570\.133\.20 runs up to 12\.8 fully/);
    const old = recommendTarget(m('nvidia-smi-titanv-driver515.txt'), '12.9');
    assert.equal(old.target, 'cpu');
    assert.match(old.warning!, /the flake uses CUDA 12\.9, which needs a newer driver than 515\.65\.01 \(it runs up to CUDA 11\.7\)/);
    assert.deepEqual(recommendTarget(detectMachine(none), '12.9'), { target: 'cpu', reason: 'no NVIDIA GPU found' });
    assert.equal(familyRuns('525.60.13', '12.9'), true);
    assert.equal(familyRuns('520.61.05', '12.0'), false);
  });
});

describe("the cuda shell's driver folder (the shellHook's code, run by bash with a fake ldconfig)", () => {
  it("puts a folder holding only the host driver's libraries first on LD_LIBRARY_PATH, and says so when there is no driver", function () {
    if (DRIVER_ONLY_DIRS.some((d) => fs.existsSync(d))) this.skip(); // NixOS or WSL: their driver folder wins, as it should
    const host = tree({ 'libcuda.so.1': '', 'libnvidia-ml.so.1': '', 'libstdc++.so.6': '', 'libz.so.1': '' });
    const bin = tree({ ldconfig: `#!/bin/sh\necho '\tlibcuda.so.1 (libc6,x86-64) => ${host}/libcuda.so.1'\n` });
    fs.chmodSync(path.join(bin, 'ldconfig'), 0o755);
    const cache = tree({});
    const run = (pathDirs: string) =>
      spawnSync('bash', ['-c', `${driverShellCode()}\nprintf '%s' "$LD_LIBRARY_PATH"`], {
        encoding: 'utf8',
        env: { PATH: `${pathDirs}:/usr/bin:/bin`, HOME: cache, XDG_CACHE_HOME: cache, LD_LIBRARY_PATH: '/nix/store/x-cuda-stubs/lib' },
      });
    const r = run(bin);
    assert.equal(r.status, 0, r.stderr);
    const [first, rest] = r.stdout.split(':');
    assert.equal(rest, '/nix/store/x-cuda-stubs/lib', 'ahead of the stubs');
    assert.equal(path.dirname(first), path.join(cache, 'seam', 'driver-libs'));
    assert.deepEqual(
      fs.readdirSync(first).sort(),
      ['libcuda.so.1', 'libnvidia-ml.so.1'],
      "only the driver's libraries, not the host's libstdc++",
    );
    assert.equal(fs.readlinkSync(path.join(first, 'libcuda.so.1')), path.join(host, 'libcuda.so.1'));
    // No driver in ldconfig's cache: nothing exported, and a message.
    const none = tree({ ldconfig: '#!/bin/sh\nexit 0\n' });
    fs.chmodSync(path.join(none, 'ldconfig'), 0o755);
    const n = run(none);
    assert.equal(n.stdout, '/nix/store/x-cuda-stubs/lib');
    assert.match(n.stderr, /no NVIDIA driver found/);
  });
});
