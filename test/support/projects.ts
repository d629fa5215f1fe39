/** Test projects shaped like real ML repositories (our own copies of their manifests). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers';
import { HOSTILE } from './hostile';

export const SHAPES: Record<string, Record<string, string>> = {
  'conda + pip with CUDA (the example)': Object.fromEntries(
    ['environment.yml', 'requirements.txt', 'requirements-base.txt', 'pyproject.toml', 'seam.toml'].map((f) => [
      f,
      fs.readFileSync(path.join(ROOT, 'examples', 'ml-project', f), 'utf8'),
    ]),
  ),
  'requirements with no GPU packages': { 'requirements.txt': 'requests>=2\nrich\nclick==8.1.7\n' },
  'jax with cuda12 extras (Pipfile, Python 3.10)': {
    Pipfile: '[packages]\njax = {extras = ["cuda12"], version = ">=0.4"}\nflax = "*"\n[requires]\npython_version = "3.10"\n',
  },
  'tensorflow-gpu and faiss-gpu (poetry)': {
    'pyproject.toml': '[tool.poetry]\nname = "tf"\n[tool.poetry.dependencies]\npython = "^3.11"\ntensorflow-gpu = "*"\nfaiss-gpu = "*"\n',
  },
  'PEP 621 with torch from the cu121 index': {
    'pyproject.toml':
      '[project]\nname = "p"\nversion = "0.1.0"\nrequires-python = ">=3.12"\ndependencies = ["torch==2.2.1+cu121", "numpy"]\n',
    'requirements.txt': '--extra-index-url https://download.pytorch.org/whl/cu121\ntorch\n',
  },
  'conda system tools and CUDA libraries': {
    'environment.yml': 'name: sys\ndependencies:\n  - python=3.12\n  - ffmpeg\n  - gdal\n  - cudnn\n  - nccl\n  - cuda-nvcc\n  - rust\n',
  },
  'hostile names and URLs': {
    'environment.yml': `name: ${JSON.stringify(HOSTILE.join(' '))}\ndependencies:\n  - pip:\n    - "pkg @ https://example.com/\${x}/a'b/pkg-1.0.tar.gz"\n`,
    'requirements.txt': '--index-url https://example.com/${builtins.abort}/simple\nrequests\n',
    'requirements-$(touch PWNED)-"${builtins.abort "x"}".txt': 'six\n',
  },
};

/** Projects whose second convert used to differ from the first: local projects, `-e .`, a team's own pyproject.toml. */
/** Projects whose flakes used not to evaluate against a real nixpkgs of late 2025 (issue 13). */
export const PIN_PROJECTS: Record<string, Record<string, string>> = {
  'whisper (triton only on Linux x86_64)': {
    'requirements.txt':
      'numba\nnumpy\ntorch\ntqdm\nmore-itertools\ntiktoken\ntriton>=2.0.0;platform_machine=="x86_64" and sys_platform=="linux"\n',
  },
  'cupy for CUDA 12 (unfree CUDA in the cpu shell)': { 'requirements.txt': 'cupy-cuda12x\nnumpy\n' },
  'Python 3.10 with numpy (numpy 2.3 is disabled below 3.11)': {
    'requirements.txt': 'numpy\nscipy\n',
    'pyproject.toml': '[project]\nname = "old"\nversion = "1"\nrequires-python = "==3.10.*"\ndependencies = ["numpy", "scipy"]\n',
  },
};

export const LOCAL_PROJECTS: Record<string, Record<string, string>> = {
  'conda with -e . (stable-diffusion)': {
    'environment.yml':
      'name: ldm\nchannels:\n  - pytorch\n  - defaults\ndependencies:\n  - python=3.8.5\n  - pip=20.3\n  - pytorch=1.11.0\n  - torchvision=0.12.0\n  - numpy=1.19.2\n  - pip:\n    - albumentations==0.4.3\n    - omegaconf==2.1.1\n    - -e .\n',
    'setup.py':
      "from setuptools import setup, find_packages\n\nsetup(name='latent-diffusion', version='0.0.1', packages=find_packages())\n",
    // torch 1.11 and numpy 1.19 against Nix's 2.x: another era, which the team decides (without it convert refuses).
    'seam.toml': '[overrides]\ntorch = { owner = "nix" }\nnumpy = { owner = "nix" }\n',
  },
  'conda with -e . on Python 3.11 (latent-diffusion)': {
    'environment.yml':
      'name: ldm\nchannels:\n  - pytorch\n  - defaults\ndependencies:\n  - python=3.11\n  - pip\n  - pytorch\n  - torchvision\n  - pip:\n    - omegaconf>=2.1\n    - einops\n    - -e .\n',
    'setup.py':
      "from setuptools import setup, find_packages\n\nsetup(name='latent-diffusion', version='0.0.1', packages=find_packages())\n",
  },
  'local paths and CUDA extensions (gaussian-splatting)': {
    'environment.yml':
      'name: gaussian_splatting\nchannels:\n  - pytorch\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pytorch=2.3\n  - plyfile\n  - tqdm\n  - pip:\n    - submodules/diff-gaussian-rasterization\n    - submodules/simple-knn\n    - ./tools[viewer]\n',
    'submodules/diff-gaussian-rasterization/setup.py': "from setuptools import setup\nsetup(name='diff_gaussian_rasterization')\n",
    'submodules/simple-knn/setup.py': "from setuptools import setup\nsetup(name='simple_knn')\n",
    'tools/pyproject.toml': '[project]\nname = "splat-tools"\nversion = "0.1"\n[project.optional-dependencies]\nviewer = ["rich"]\n',
  },
  "a team's own pyproject.toml with -e . in requirements": {
    'pyproject.toml':
      '[project]\nname = "team-app"\nversion = "1.0"\nrequires-python = ">=3.11"\ndependencies = ["requests>=2", "torch>=2"]\n',
    'requirements.txt': '-e .\nrich\n',
  },
};
