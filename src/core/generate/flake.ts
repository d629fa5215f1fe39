/**
 * flake.nix from a plan: nixpkgs pinned, a cpu and a cuda devShell per system (default = cpu),
 * the CUDA shell's nixpkgs imported with cudaSupport and the CUDA binary cache, the Nix-owned
 * packages in one `python.withPackages`, and a shellHook that layers `.venv` (uv) on that Python.
 * Deterministic: the same plan and settings give the same bytes.
 */
import type { SeamConfig } from '../config/seamToml';
import { driverShellCode } from '../env/driver';
import type { Knowledge } from '../knowledge/index';
import { type Plan, TARGETS, type Target } from '../plan/types';
import { commentText, isNixAttrPath, nixAttrName, nixIndented, nixSelect, nixString } from '../text/escape';
import { UV_HELPER } from './helper';

const indent = (text: string, by: string) => text.replace(/^(?=.)/gm, by);

/** The caches with CUDA builds of nixpkgs: they build the default Python, CUDA set and capabilities, for x86_64-linux. */
export const CUDA_CACHES = ['nixos-cuda', 'flox'];

export interface FlakeInput {
  plan: Plan;
  config: SeamConfig;
  knowledge: Knowledge;
  /** The project's name, for the description (from a manifest: escaped). */
  name: string;
  /** The manifests read, relative to the project root, for the header comment. */
  sources: string[];
  seamVersion: string;
  /** Local projects that build against torch (uv's no-build-isolation-package): setuptools in the Nix environment; for a CUDA extension, CUDA_HOME and nvcc in the cuda shell. */
  build?: { torch: boolean; cuda: boolean };
}

/** What one target's shell contains. */
export interface ShellContents {
  python: string[];
  system: string[];
  /** Attributes left out of some systems' shells: attribute → the systems that do get it. */
  only: Record<string, string[]>;
  /** Normalized names of everything Nix provides to Python here (uv must keep out of them). */
  nixOwned: string[];
}

/** "stdenv.cc (gcc) + gfortran" → ["stdenv.cc", "gfortran"]: the attribute paths in a knowledge entry. */
export function systemAttrs(raw: string): string[] {
  return raw
    .replace(/\([^)]*\)/g, '')
    .split('+')
    .map((s) => s.trim())
    .filter((s) => s && isNixAttrPath(s) && s !== 'cudaPackages');
}

export function shellContents(plan: Plan, target: Target, systems: string[] = []): ShellContents {
  const python = new Set<string>();
  const system = new Set<string>();
  const nixOwned = new Set<string>();
  const only: Record<string, string[]> = {};
  for (const p of plan.packages) {
    const attr = p.nixAttr[target];
    const out = p.excluded?.[target];
    if (out?.length && attr) {
      const left = new Set(out.map((o) => o.system));
      const keys = p.owner[target] === 'system' ? systemAttrs(attr).map((a) => `pkgs:${a}`) : [`ps:${attr}`];
      for (const k of keys) only[k] = systems.filter((x) => !left.has(x));
    }
    if (p.owner[target] === 'nix' && attr) {
      python.add(attr);
      nixOwned.add(p.name);
      for (const n of p.requestedAs ?? []) if (/^[A-Za-z0-9._-]+$/.test(n)) nixOwned.add(n.toLowerCase().replace(/[-_.]+/g, '-'));
    } else if (p.owner[target] === 'system' && attr) {
      for (const a of systemAttrs(attr)) system.add(a);
    }
  }
  if (plan.python.version === '3.10') python.add('tomli'); // seam-uv.py reads uv.lock; 3.10 has no tomllib
  const validName = (n: string) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(n);
  return { python: [...python].sort(), system: [...system].sort(), only, nixOwned: [...nixOwned].filter(validName).sort() };
}

/** The shell code each devShell runs on entry; `@name@` marks a value the flake fills in. */
export const SHELL_HOOK = `seam_root=$PWD
while [ "$seam_root" != / ] && [ ! -e "$seam_root/seam.toml" ]; do seam_root=$(dirname "$seam_root"); done
[ -e "$seam_root/seam.toml" ] || seam_root=$PWD
export SEAM_ROOT="$seam_root"
unset PYTHONPATH PYTHONHOME
export UV_PROJECT_ENVIRONMENT="$seam_root/.venv"
seam_venv=$UV_PROJECT_ENVIRONMENT
if [ -e "$seam_venv/pyvenv.cfg" ] && ! grep -qxF "home = @python@/bin" "$seam_venv/pyvenv.cfg"; then
  echo "seam: .venv was made with another Python; making it again on $SEAM_PYTHON" >&2
  rm -rf "$seam_venv"
fi
[ -e "$seam_venv" ] || @python@/bin/python3 -m venv --system-site-packages --without-pip "$seam_venv" || echo "seam: could not create $seam_venv" >&2
if [ -e "$seam_venv/pyvenv.cfg" ]; then
  # The venv's Python is the bare Nix interpreter; this line adds the Nix packages after the venv's own.
  # Its site-packages is where the venv's Python put it (one folder; normally @sitePackages@).
  for seam_sp in "$seam_venv"/lib/python*/site-packages; do
    [ -d "$seam_sp" ] || continue
    echo "import site; site.addsitedir('@site@')" > "$seam_sp/_seam_nix.pth"
    # Wheels from PyPI (manylinux) need a C++ runtime and zlib: loaded into the venv's Python, not exported to every program.
    if [ -n "$SEAM_WHEEL_LIBS" ]; then
      printf 'import ctypes\nimport os\n\nfor _p in %s.split(":"):\n    if os.path.exists(_p):\n        ctypes.CDLL(_p, mode=ctypes.RTLD_GLOBAL)\n' "'$SEAM_WHEEL_LIBS'" > "$seam_sp/_seam_libs.py"
      echo "import _seam_libs" > "$seam_sp/_seam_libs.pth"
    else
      rm -f "$seam_sp/_seam_libs.pth" "$seam_sp/_seam_libs.py"
    fi
  done
  export VIRTUAL_ENV="$seam_venv"
  export PATH="$seam_venv/bin:$PATH"
  # uv pip installs into the venv (UV_PYTHON named the bare Nix interpreter, whose prefix is read-only).
  export UV_PYTHON="$seam_venv/bin/python"
  # What Nix provides, for \`uv pip install\` (UV_EXCLUDE); Nix's packages as wheels without code in .seam/nix-wheels,
  # the first index of Seam's pyproject.toml; Nix's console scripts (torchrun, jupyter, …) in .venv/bin.
  @pythonEnv@/bin/python3 @helper@ prepare "$seam_venv" '@site@' "$seam_root" && export UV_EXCLUDE="$seam_venv/seam-nix-packages.txt"
  if [ -e "$seam_root/pyproject.toml" ] && command -v uv >/dev/null 2>&1 && [ -z "\${SEAM_NO_SYNC:-}" ]; then
    if (cd "$seam_root" && uv lock --quiet); then
      seam_skip=$(@pythonEnv@/bin/python3 @helper@ skip "$seam_root/uv.lock" '@site@' @owned@) || seam_skip=
      # Split on purpose: the helper prints only --no-install-package and package names.
      (cd "$seam_root" && uv sync --frozen --quiet $seam_skip) || echo "seam: uv sync failed; the Nix packages work, the uv ones may be missing" >&2
      seam_guard=$(@pythonEnv@/bin/python3 @helper@ guard "$seam_root/uv.lock" @owned@) || seam_guard=
      if [ -n "$seam_guard" ]; then
        # pyproject.toml does not exclude them (a team's own, without Seam's block): uv run / uv add would install them.
        export UV_NO_SYNC=1
        echo "seam: uv.lock holds what Nix provides ($(echo $seam_guard | tr ' ' ',')), so uv run and uv add will not sync .venv here; enter the shell again to sync, or adopt Seam's [tool.uv] block (seam convert --update-pyproject)" >&2
      fi
    else
      echo "seam: uv could not lock the project (offline?); the Nix packages work, the uv ones may be missing" >&2
    fi
  fi
else
  echo "seam: $seam_venv is not a virtual environment; leaving it alone" >&2
fi
if [ "$SEAM_TARGET" = cuda ]; then
  # The driver (libcuda) comes from the host, ahead of any stub: the same policy as Seam's terminals.
${indent(driverShellCode(), '  ')}fi
`;

export function generateFlake(input: FlakeInput): string {
  const { plan, config, knowledge } = input;
  // The CUDA caches: NixOS-CUDA's Hydra and Flox's; nix-community stopped building CUDA in 2025.
  const targets = TARGETS.filter((t) => config.targets.includes(t));
  // A cpu-only flake has nothing to fetch from them: no CUDA caches (and no question about them from nix).
  const caches = targets.includes('cuda') ? knowledge.cuda.caches.filter((c) => CUDA_CACHES.includes(c.name)) : [];
  const substituters = [...caches.map((c) => ({ url: c.url, publicKey: c.publicKey })), ...config.substituters];
  const list = (xs: string[], indent: string) => (xs.length ? `[\n${xs.map((x) => `${indent}  ${x}\n`).join('')}${indent}]` : '[ ]');
  const cudaSet = plan.cuda.set;
  const overlay = plan.cuda.overlay;
  const out: string[] = [];
  out.push(
    `# Generated by Seam ${commentText(input.seamVersion)} from ${input.sources.length ? input.sources.map(commentText).join(', ') : 'no manifests'}.`,
  );
  out.push('# Do not edit: change seam.toml or the manifests, then run `seam convert` again.');
  out.push('#   nix develop          the cpu shell (also .#cpu)');
  if (targets.includes('cuda')) out.push('#   nix develop .#cuda   the CUDA shell (Linux)');
  out.push('# Nix provides the interpreter and the native packages; uv installs the rest into .venv.');
  out.push('{');
  out.push(`  description = ${nixString(`Python environment for ${input.name} (Nix + uv, generated by Seam)`)};`);
  out.push('');
  if (substituters.length) {
    out.push(
      caches.length
        ? '  # Binary caches with CUDA builds, so torch and friends download instead of compiling.'
        : "  # Binary caches: seam.toml's [cache].",
    );
    out.push('  nixConfig = {');
    out.push(
      `    extra-substituters = ${list(
        substituters.map((s) => nixString(s.url)),
        '    ',
      )};`,
    );
    out.push(
      `    extra-trusted-public-keys = ${list(
        substituters.map((s) => nixString(s.publicKey)),
        '    ',
      )};`,
    );
    out.push('  };');
    out.push('');
  }
  out.push(`  inputs.nixpkgs.url = ${nixString(config.nixpkgs)};`);
  out.push('');
  out.push('  outputs = { self, nixpkgs }:');
  out.push('    let');
  out.push(`      systems = ${list(config.systems.map(nixString), '      ')};`);
  out.push(`      cudaSystems = ${list(targets.includes('cuda') ? config.cudaSystems.map(nixString) : [], '      ')};`);
  out.push('      forAllSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);');
  out.push('');
  out.push('      cpuPkgs = system: import nixpkgs { inherit system; };');
  if (targets.includes('cuda')) {
    out.push('      cudaPkgs = system: import nixpkgs {');
    out.push('        inherit system;');
    out.push('        config = {');
    out.push('          allowUnfree = true; # the CUDA libraries are unfree');
    out.push('          cudaSupport = true;');
    if (config.cudaCapabilities.length)
      out.push(
        `          cudaCapabilities = ${list(config.cudaCapabilities.map(nixString), '          ')}; # from seam.toml: the binary caches build the default list, so expect local builds`,
      );
    else
      out.push(
        "          # cudaCapabilities: nixpkgs' default list, which the binary caches build (set cuda.capabilities in seam.toml to narrow it)",
      );
    out.push('        };');
    if (overlay) {
      out.push(`        # CUDA ${commentText(plan.cuda.version)}: ${commentText(plan.cuda.reason)}`);
      out.push(`        overlays = [ (final: prev: { cudaPackages = final.${nixAttrName(cudaSet)}; }) ];`);
    } else {
      out.push(`        # CUDA: nixpkgs' default package set (${commentText(plan.cuda.reason)})`);
    }
    out.push('      };');
  }
  out.push('');
  out.push('      # Run by each shell before `uv sync`: which packages uv must not install (see `seam check`).');
  out.push(`      uvHelper = pkgs: pkgs.writeText "seam-uv.py" ${nixIndented(UV_HELPER, {}, '        ').trimStart()};`);
  out.push('');
  const cudaHome = input.build?.cuda === true && targets.includes('cuda');
  out.push(`      shell = { pkgs, target, pythonPackages, systemPackages, nixOwned${cudaHome ? ', cudaHome ? null' : ''} }:`);
  out.push('        let');
  out.push(`          python = ${nixSelect('pkgs', plan.python.attr)};`);
  out.push('          pythonEnv = python.withPackages pythonPackages;');
  out.push('          owned = pkgs.writeText "seam-nix-owned.txt" (builtins.concatStringsSep "\\n" nixOwned);');
  out.push('        in');
  out.push(cudaHome ? '        pkgs.mkShell ({' : '        pkgs.mkShell {');
  out.push('          name = "seam-${target}";');
  out.push('          packages = [ pythonEnv pkgs.uv ] ++ systemPackages;');
  out.push('          SEAM_TARGET = target;');
  out.push(
    '          # uv uses the Nix interpreter and never downloads one (also for terminals that get this environment without the shellHook).',
  );
  out.push('          UV_PYTHON = "${python}/bin/python3";');
  out.push('          UV_PYTHON_DOWNLOADS = "never";');
  out.push('          UV_PYTHON_PREFERENCE = "only-system";');
  out.push(`          SEAM_PYTHON = ${nixString(`${plan.python.attr} ${plan.python.version}`)};`);
  out.push(
    '          SEAM_CUDA_VERSION = if target == "cuda" then pkgs.cudaPackages.cudaMajorMinorVersion or pkgs.cudaPackages.cudaVersion or "" else "";',
  );
  out.push(
    "          # Wheels uv installs (manylinux) need a C++ runtime and zlib: the venv's Python loads them (never LD_LIBRARY_PATH, which every program would see).",
  );
  out.push(
    '          SEAM_WHEEL_LIBS = if pkgs.stdenv.isLinux then "${pkgs.stdenv.cc.cc.lib}/lib/libstdc++.so.6:${pkgs.zlib}/lib/libz.so.1" else "";',
  );
  out.push(
    `          shellHook = ${nixIndented(SHELL_HOOK, { python: 'python', pythonEnv: 'pythonEnv', helper: 'uvHelper pkgs', owned: 'owned', site: 'pythonEnv + "/" + python.sitePackages', sitePackages: 'python.sitePackages' }, '            ').trimStart()};`,
  );
  if (cudaHome) {
    out.push('        } // (if cudaHome == null then { } else {');
    out.push("          # A local CUDA extension (torch.utils.cpp_extension) builds with the pinned cudaPackages' nvcc and headers.");
    out.push('          CUDA_HOME = cudaHome;');
    out.push('        }));');
  } else out.push('        };');
  for (const t of targets) {
    const c = shellContents(plan, t, t === 'cuda' ? config.cudaSystems : config.systems);
    out.push('');
    out.push(`      ${t}Shell = system:`);
    out.push(`        let pkgs = ${t}Pkgs system; in`);
    out.push('        shell {');
    out.push(`          inherit pkgs;`);
    out.push(`          target = ${nixString(t)};`);
    // What some systems' shells leave out (markers, meta.platforms, …) is added only where it evaluates.
    const perSystem = (prefix: 'ps' | 'pkgs', attrs: string[]) => {
      const everywhere = attrs.filter((a) => !c.only[`${prefix}:${a}`]);
      const groups = new Map<string, string[]>();
      for (const a of attrs.filter((x) => c.only[`${prefix}:${x}`]))
        groups.set(JSON.stringify(c.only[`${prefix}:${a}`]), [...(groups.get(JSON.stringify(c.only[`${prefix}:${a}`])) ?? []), a]);
      let text = list(
        everywhere.map((a) => nixSelect(prefix, a)),
        '          ',
      );
      for (const [on, group] of groups) {
        const where = (JSON.parse(on) as string[]).map(nixString).join(' ');
        text += `\n            ++ (if builtins.elem system [ ${where} ] then [ ${group.map((a) => nixSelect(prefix, a)).join(' ')} ] else [ ])`;
      }
      return text;
    };
    // A local project that builds against torch builds in .venv without isolation: setuptools comes from Nix.
    const python = input.build?.torch ? [...new Set([...c.python, 'setuptools'])].sort() : c.python;
    const system = cudaHome && t === 'cuda' ? [...new Set([...c.system, 'cudaPackages.cudatoolkit'])].sort() : c.system;
    out.push(`          pythonPackages = ps: ${perSystem('ps', python)};`);
    out.push(`          systemPackages = ${perSystem('pkgs', system)};`);
    if (cudaHome && t === 'cuda') out.push('          cudaHome = "${pkgs.cudaPackages.cudatoolkit}";');
    out.push(`          nixOwned = ${list(c.nixOwned.map(nixString), '          ')};`);
    out.push('        };');
  }
  out.push('    in');
  out.push('    {');
  out.push('      devShells = forAllSystems (system:');
  out.push('        { cpu = cpuShell system; default = cpuShell system; }');
  if (targets.includes('cuda')) out.push('        // (if builtins.elem system cudaSystems then { cuda = cudaShell system; } else { }));');
  else out.push('      );');
  out.push('    };');
  out.push('}');
  return `${out.join('\n')}\n`;
}
