"""Records what Python's `packaging` answers for requirement, marker, version and
specifier inputs, so Seam's TypeScript model is tested against the real thing.

Run: python3 scripts/packaging-oracle.py > test/fixtures/oracle/packaging.json
"""
import json
import sys

import packaging
from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

REQUIREMENTS = [
    "requests", "requests[security,socks]>=2.8.1,==2.8.*", "name@http://foo.com",
    "name [fred,bar] @ http://foo.com ; python_version=='2.7'",
    "torch==2.1.0+cu118", "numpy (>=1.21, <2)", "scikit-learn==0.21.*",
    "foo ; extra == 'Foo_Bar'", "A.B-C_D", "pip @ file:///localbuilds/pip-1.3.1.tar.gz",
    "jax[cuda12]>=0.4.20; sys_platform == 'linux'", "numpy>=1.0; python_version >= \"3.8\" and (os_name == 'posix' or os_name == 'nt')",
    "pkg===1.0-weird", "pkg ~= 1.4.5", "pkg !=1.5.*", "pkg[]", "pkg>=1.0a1",
    # invalid
    "numpy>==1.0", "numpy>=1.0 pandas", "numpy==", "[extra]", "pkg[extra", "pkg; python_version >",
    "pkg @ ", "pkg>=1.0; bogus_marker == '1'", "-e .", "pkg (>=1.0", "pkg=1.0", "pkg >= 1.0 ;",
    "pkg @ http://x.com; extra=='a'", "pkg==1.0.*.1", "pkg~=1", "_pkg",
]
MARKERS = [
    ("python_version < '3.10'", {"python_version": "3.12", "python_full_version": "3.12.4"}),
    ("python_version >= '3.8' and sys_platform == 'linux'", {"python_version": "3.12", "sys_platform": "linux"}),
    ("'linux' < sys_platform", {"sys_platform": "linux"}),
    ("sys_platform >= 'linux'", {"sys_platform": "linux"}),
    ("platform_machine in 'x86_64 aarch64'", {"platform_machine": "x86_64"}),
    ("platform_machine not in 'x86_64 aarch64'", {"platform_machine": "arm64"}),
    ("extra == 'Foo_Bar'", {"extra": "foo-bar"}),
    ("extra == 'cuda'", {"extra": ""}),
    ("platform_release >= '5'", {"platform_release": "6.1.0-x"}),
    ("python_full_version > '3.8.1'", {"python_full_version": "3.12.4"}),
    ("python_version == '3.12.*'", {"python_version": "3.12"}),
    ("python_version ~= '3.8'", {"python_version": "3.12"}),
    ("os_name == 'nt' or (sys_platform == 'linux' and platform_machine == 'x86_64')", {"os_name": "posix", "sys_platform": "linux", "platform_machine": "x86_64"}),
    ("implementation_name == 'cpython' and platform_python_implementation != 'PyPy'", {"implementation_name": "cpython", "platform_python_implementation": "CPython"}),
    ("python_version > '3.8' or python_version < '3'", {"python_version": "3.9"}),
    ("'x86_64' in platform_machine", {"platform_machine": "x86_64"}),
]
LOCK_MARKERS = [
    ("'cpu' in extras", {"extras": ["cpu"]}),
    ("'Cu_128' in extras", {"extras": ["cu-128"]}),
    ("'cpu' not in extras and 'dev' in dependency_groups", {"extras": [], "dependency_groups": ["dev"]}),
    ("extra == 'gpu' and 'dev' in dependency_groups", {"extra": "gpu", "dependency_groups": ["DEV"]}),
]
VERSIONS = ["1.0", "1.0.0", "1.0a1", "1.0b2", "1.0rc1", "1.0.dev0", "1.0.post1", "1!0.5", "1.0+cu118",
            "1.0+cu121", "2.1.0", "2.1.0+cpu", "0.21.3", "1.0a1.dev1", "1.0.post1.dev2", "v1.0", "1.0-1", "1.0_rc_1",
            "1.0.1", "1.1", "2.0rc1", "0.9", "1!1.0", "1.0.0.0", "2", "1.0.post1+local"]
SPECS = [">=1.0", "<2", "==2.1.0", "==2.1.0+cu118", "==0.21.*", "!=1.0.*", "~=1.0", "~=0.21.0", ">1.0",
         "<=1.0a1", ">=1.0a1", "===1.0", ">=1.0,<2,!=1.0.post1", "", "==1.*", "<1!0",
         "<1.0", ">1.0rc1", ">=1!0.5", "~=1!0.5", "==1.0", "!=1.0", "<=1.0", "~=1.0.0", ">1.0.post1", "==1.0.0.*",
         "==1!1.*", "<2.0", ">=2.0rc1", "==1.0+local", "!=2.1.0+cpu", "~=2.0rc1"]
BAD_SPECS = ["<1.0+cu118", ">==1.0", "~=1", "==1.0.*.1", "=>1.0"]


def main() -> None:
    out = {"packaging": packaging.__version__, "requirements": [], "markers": [], "compare": [], "contains": [], "normalize": []}
    for text in REQUIREMENTS:
        try:
            r = Requirement(text)
            out["requirements"].append({"text": text, "ok": True, "name": r.name, "extras": sorted(r.extras),
                                        "specifier": str(r.specifier), "url": r.url, "marker": str(r.marker) if r.marker else None})
        except InvalidRequirement as e:
            out["requirements"].append({"text": text, "ok": False, "error": str(e).splitlines()[0]})
    for text, env in MARKERS:
        out["markers"].append({"marker": text, "env": env, "context": "metadata", "result": _eval(text, env, "metadata")})
    for text, env in LOCK_MARKERS:
        e = {k: (frozenset(v) if isinstance(v, list) else v) for k, v in env.items()}
        out["markers"].append({"marker": text, "env": env, "context": "lock_file", "result": _eval(text, e, "lock_file")})
    valid = [v for v in VERSIONS if _is_version(v)]
    for a in valid:
        for b in valid:
            va, vb = Version(a), Version(b)
            out["compare"].append([a, b, (va > vb) - (va < vb)])
    for s in SPECS:
        for v in valid:
            ss = SpecifierSet(s)
            out["contains"].append({"spec": s, "version": v, "default": ss.contains(v), "pre": ss.contains(v, prereleases=True), "nopre": ss.contains(v, prereleases=False)})
    out["badSpecs"] = []
    for s in BAD_SPECS:
        try:
            SpecifierSet(s)
            out["badSpecs"].append({"spec": s, "ok": True})
        except Exception as e:  # noqa: BLE001
            out["badSpecs"].append({"spec": s, "ok": False, "error": str(e)})
    for n in ["Foo_Bar", "foo.bar", "FOO--bar", "torch", "Scikit_Learn", "a__b..c"]:
        out["normalize"].append([n, canonicalize_name(n)])
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


def _eval(text, env, context):
    full = {"python_version": "3.12", "python_full_version": "3.12.4", "sys_platform": "linux", "platform_machine": "x86_64",
            "os_name": "posix", "platform_system": "Linux", "platform_release": "6.1.0", "platform_version": "#1 SMP",
            "implementation_name": "cpython", "implementation_version": "3.12.4", "platform_python_implementation": "CPython"}
    full.update(env)
    try:
        return Marker(text).evaluate(full, context)
    except Exception as e:  # noqa: BLE001 - the error kind is the recorded answer
        return "error:" + type(e).__name__


def _is_version(v):
    try:
        Version(v)
        return True
    except Exception:  # noqa: BLE001
        return False


if __name__ == "__main__":
    main()
