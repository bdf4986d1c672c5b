"""Stop a macOS wheel build whose libomp needs a newer macOS than the wheel.

cibuildwheel runs this before each macOS build (``before-build`` in
pyproject.toml).  delocate copies libomp.dylib into the wheel, and the
wheel's platform tag comes from MACOSX_DEPLOYMENT_TARGET; if the dylib was
built for a newer macOS (its ``minos``), the wheel would install on systems
where it cannot load.  Checking here names the cause before a long build.
"""

import os
import re
import shlex
import subprocess
import sys


def minimum_macos(dylib):
    """The macOS version a Mach-O file was built for, e.g. (14, 0)."""
    text = subprocess.run(["otool", "-l", dylib], check=True,
                          capture_output=True, text=True).stdout
    # LC_BUILD_VERSION has "minos X.Y"; older files LC_VERSION_MIN_MACOSX
    # with "version X.Y".
    match = (re.search(r"LC_BUILD_VERSION.*?\n\s*minos (\d+(?:\.\d+)*)", text, re.S)
             or re.search(r"LC_VERSION_MIN_MACOSX.*?\n\s*version (\d+(?:\.\d+)*)",
                          text, re.S))
    if match is None:
        sys.exit(f"check_macos_libomp: no minimum macOS version in {dylib}")
    return tuple(int(part) for part in match.group(1).split("."))


def main():
    target_text = os.environ.get("MACOSX_DEPLOYMENT_TARGET")
    if not target_text:
        sys.exit("check_macos_libomp: MACOSX_DEPLOYMENT_TARGET is not set")
    target = tuple(int(part) for part in target_text.split("."))
    # The libomp that will be linked: the one in LDFLAGS's -L directories.
    lib_dirs = [flag[2:] for flag in shlex.split(os.environ.get("LDFLAGS", ""))
                if flag.startswith("-L")]
    found = [os.path.join(d, "libomp.dylib") for d in lib_dirs
             if os.path.exists(os.path.join(d, "libomp.dylib"))]
    if not found:
        sys.exit(f"check_macos_libomp: no libomp.dylib in LDFLAGS's -L "
                 f"directories {lib_dirs} (before-all runs `brew install libomp`)")
    for dylib in found:
        needs = minimum_macos(dylib)
        print(f"check_macos_libomp: {dylib} needs macOS "
              f"{'.'.join(map(str, needs))}; wheel target {target_text}")
        if needs > target:
            sys.exit("check_macos_libomp: raise MACOSX_DEPLOYMENT_TARGET in "
                     "pyproject.toml to at least "
                     f"{'.'.join(map(str, needs))}, or use an older libomp")


if __name__ == "__main__":
    main()
