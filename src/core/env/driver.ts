/**
 * The host's NVIDIA driver for Nix programs: Nix's torch finds libcuda.so.1 only on the library
 * path, ahead of any CUDA stub. One policy for every way into an environment — the editor's
 * terminals, the terminal profiles, `seam env`, and the generated shellHook (`driverShellCode`,
 * the same rule in shell):
 *
 * - NixOS: /run/opengl-driver/lib, and WSL2: /usr/lib/wsl/lib — folders of the GPU driver alone.
 * - Elsewhere the driver sits in a system folder (`/usr/lib/x86_64-linux-gnu`, with the host's libc
 *   and libstdc++), which must never go ahead of Nix's libraries. Seam makes a folder of links to
 *   the driver's own libraries there (DRIVER_LIBRARY: libcuda, libnvidia-*, libnvcuvid, libnvoptix),
 *   named by a hash of what it holds, under Seam's cache: `<cache>/driver-libs/<hash>`.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';

/** The driver's own libraries, as a POSIX extended regular expression (the shellHook uses it too). */
export const DRIVER_LIBRARY_ERE = '^lib(cuda|nvcuvid|nvoptix|nvidia-[a-z0-9-]+)[.]so([.][0-9]+)*$';
export const DRIVER_LIBRARY = new RegExp(DRIVER_LIBRARY_ERE);

/** The folder the host's loader finds libcuda.so.1 in. */
export function libcudaDir(ldconfig: string): string | null {
  const found: { abi: string; dir: string }[] = [];
  for (const line of ldconfig.split('\n')) {
    const m = /^\s*libcuda\.so\.1 \(([^)]*)\) => (\S+)$/.exec(line);
    if (m) found.push({ abi: m[1], dir: m[2].replace(/\/libcuda\.so\.1$/, '') });
  }
  // A 64-bit entry ("libc6,x86-64", "libc6,AArch64") over the 32-bit one ("libc6").
  return (found.find((f) => /x86-64|AArch64|64/.test(f.abi)) ?? found[0])?.dir ?? null;
}

/** Folders that hold the GPU driver and nothing of the system: used as they are. */
export const DRIVER_ONLY_DIRS = ['/run/opengl-driver/lib', '/usr/lib/wsl/lib'] as const;

/** Seam's cache folder: $XDG_CACHE_HOME/seam, else ~/.cache/seam (the CLI, the editor and the shellHook share it). */
export function seamCacheDir(env: Record<string, string | undefined> = process.env): string {
  return nodePath.join(env.XDG_CACHE_HOME || nodePath.join(env.HOME || os.homedir(), '.cache'), 'seam');
}

/** The folder of links to `hostDir`'s driver libraries under `cacheDir`, made when missing; null when `hostDir` has no libcuda. */
export function driverLinkFolder(hostDir: string, cacheDir: string): string | null {
  let names: string[];
  try {
    names = fs
      .readdirSync(hostDir)
      .filter((n) => DRIVER_LIBRARY.test(n))
      .sort();
  } catch {
    return null;
  }
  if (!names.some((n) => n.startsWith('libcuda.so'))) return null;
  const hash = crypto
    .createHash('sha256')
    .update(`${hostDir}\n${names.join('\n')}\n`)
    .digest('hex')
    .slice(0, 16);
  const parent = nodePath.join(cacheDir, 'driver-libs');
  const dest = nodePath.join(parent, hash);
  if (fs.existsSync(dest)) return dest;
  // Made aside and renamed into place, so a reader never sees half a folder; a racing maker's folder is as good.
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(nodePath.join(parent, '.tmp-'));
  for (const n of names) fs.symlinkSync(nodePath.join(hostDir, n), nodePath.join(tmp, n));
  try {
    fs.renameSync(tmp, dest);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return fs.existsSync(dest) ? dest : null;
}

export interface DriverHost {
  /** /run/opengl-driver/lib exists (NixOS). */
  nixos: boolean;
  /** /usr/lib/wsl/lib exists (WSL2). */
  wsl: boolean;
  /** `ldconfig -p` output, when neither. */
  ldconfig: string | null;
}

/** The folder to put ahead of everything on LD_LIBRARY_PATH for a CUDA program, or null (no driver here). */
export function driverLibraryFolder(host: DriverHost, cacheDir: string): string | null {
  if (host.nixos) return DRIVER_ONLY_DIRS[0];
  if (host.wsl) return DRIVER_ONLY_DIRS[1];
  const dir = host.ldconfig ? libcudaDir(host.ldconfig) : null;
  if (!dir) return null;
  return DRIVER_ONLY_DIRS.includes(dir as (typeof DRIVER_ONLY_DIRS)[number]) ? dir : driverLinkFolder(dir, cacheDir);
}

/**
 * The same policy in shell, for the generated shellHook: sets LD_LIBRARY_PATH's first entry to the
 * driver folder (bash; needs `ldconfig` on PATH or in /sbin, `sha256sum`, `ln`, `mv`).
 */
export function driverShellCode(): string {
  return `seam_driver=
for d in ${DRIVER_ONLY_DIRS.join(' ')}; do [ -d "$d" ] && { seam_driver=$d; break; }; done
if [ -z "$seam_driver" ]; then
  seam_host=$( { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | sed -n 's|^[[:space:]]*libcuda[.]so[.]1 ([^)]*64[^)]*) => \\(.*\\)/libcuda[.]so[.]1$|\\1|p' | head -n 1)
  if [ -n "$seam_host" ]; then
    seam_re='${DRIVER_LIBRARY_ERE}'
    seam_names=$(cd "$seam_host" && for f in lib*.so*; do [[ $f =~ $seam_re ]] && echo "$f"; done | LC_ALL=C sort)
    if printf '%s\\n' "$seam_names" | grep -q '^libcuda[.]so'; then
      seam_cache="\${XDG_CACHE_HOME:-$HOME/.cache}/seam/driver-libs"
      seam_hash=$(printf '%s\\n%s\\n' "$seam_host" "$seam_names" | sha256sum | cut -c1-16)
      seam_driver="$seam_cache/$seam_hash"
      if [ ! -d "$seam_driver" ] && mkdir -p "$seam_cache" && seam_tmp=$(mktemp -d "$seam_cache/.tmp-XXXXXX"); then
        for f in $seam_names; do ln -s "$seam_host/$f" "$seam_tmp/$f"; done
        mv -T "$seam_tmp" "$seam_driver" 2>/dev/null || rm -rf "$seam_tmp"
      fi
      [ -d "$seam_driver" ] || seam_driver=
    fi
  fi
fi
if [ -n "$seam_driver" ]; then export LD_LIBRARY_PATH="$seam_driver\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
elif [ -z "\${SEAM_QUIET:-}" ]; then echo "seam: no NVIDIA driver found (no libcuda.so.1 in ldconfig's cache): the cuda shell's programs will not find a GPU" >&2
fi
`;
}

/** What decides the driver folder, read without running anything: the two driver folders and ldconfig's cache. */
function hostFingerprint(): string {
  const parts: string[] = DRIVER_ONLY_DIRS.map((d) => `${d}:${fs.existsSync(d)}`);
  try {
    const st = fs.statSync('/etc/ld.so.cache');
    parts.push(`ld.so.cache:${st.size}:${st.mtimeMs}`);
  } catch {
    parts.push('ld.so.cache:none');
  }
  return parts.join('\n');
}

/** The remembered driver folder when nothing it depends on changed (null: none here), or undefined: ask ldconfig. Runs nothing. */
export function rememberedDriverFolder(cacheDir: string, platform = process.platform): string | null | undefined {
  if (platform !== 'linux') return null;
  try {
    const cached = JSON.parse(fs.readFileSync(nodePath.join(cacheDir, 'driver.json'), 'utf8')) as {
      fingerprint: string;
      folder: string | null;
    };
    if (cached.fingerprint === hostFingerprint() && (cached.folder === null || fs.existsSync(cached.folder))) return cached.folder;
  } catch {
    /* not remembered yet */
  }
  return undefined;
}

/**
 * The driver folder for this machine (see driverLibraryFolder), remembered in `<cache>/driver.json`
 * until the driver folders or ldconfig's cache change, so a cached `seam env` runs nothing.
 * Linux only: null elsewhere.
 */
export async function hostDriverFolder(
  cacheDir: string,
  ldconfig: () => Promise<string | null>,
  platform = process.platform,
): Promise<string | null> {
  if (platform !== 'linux') return null;
  const file = nodePath.join(cacheDir, 'driver.json');
  const fingerprint = hostFingerprint();
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as { fingerprint: string; folder: string | null };
    if (cached.fingerprint === fingerprint && (cached.folder === null || fs.existsSync(cached.folder))) return cached.folder;
  } catch {
    /* not remembered yet */
  }
  const nixos = fs.existsSync(DRIVER_ONLY_DIRS[0]);
  const wsl = fs.existsSync(DRIVER_ONLY_DIRS[1]);
  const folder = driverLibraryFolder({ nixos, wsl, ldconfig: nixos || wsl ? null : await ldconfig() }, cacheDir);
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ fingerprint, folder }));
  fs.renameSync(tmp, file);
  return folder;
}
