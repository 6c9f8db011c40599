"""Which Chromium the browser tests drive, and the environment it needs.

`make test` has to pass on a fresh machine that reaches only the package registries,
where `playwright install` cannot download a browser. So the browser is, in order:

1. `CHROMIUM_PATH`, when set (a file that is not there is an error, not a fall-through);
2. the system's: /usr/bin/chromium, or chromium, chromium-browser, google-chrome or
   google-chrome-stable on PATH;
3. the Linux x86_64 Chromium inside npm's `@sparticuz/chromium`, pinned in package.json
   and installed by `make test` (npm ci). The package's own code (sparticuz-chromium.mjs)
   inflates its brotli archives once into node_modules/.cache/, which the next `npm ci`
   clears; the browser then runs with the LD_LIBRARY_PATH that the package sets for its
   bundled libraries and a fontconfig file adding its bundled fonts to the system's. The
   package's launch flags are left out: they are for AWS Lambda (one process, web
   security off) and would change what the tests see; Playwright's own are enough.

`CHROMIUM_PATH=npm` skips 1 and 2, to try 3 on a machine that has a Chromium.
`python tests/browser/chromium.py` prints what was found.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
PACKAGE = HERE / "node_modules" / "@sparticuz" / "chromium"
SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome",
                    "google-chrome-stable")
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <cachedir>{cache}/fonts-cache</cachedir>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{cache}/fonts/fonts</dir>
</fontconfig>
"""


class NoChromium(Exception):
    """No browser can be had; the message is one line saying what to do."""


def find_chromium():
    """-> (path of the browser, environment variables to add to the browser's)."""
    wanted = os.environ.get("CHROMIUM_PATH", "")
    if wanted and wanted != "npm":
        if not (os.path.isfile(wanted) and os.access(wanted, os.X_OK)):
            raise NoChromium(f"CHROMIUM_PATH={wanted} is not an executable file.")
        return wanted, {}
    if not wanted:
        for name in SYSTEM_CHROMIUMS:
            if found := shutil.which(name):
                return found, {}
    return npm_chromium()


def npm_chromium():
    if sys.platform != "linux" or platform.machine() != "x86_64":
        raise NoChromium("No Chromium found: install one or set CHROMIUM_PATH (npm's "
                         f"@sparticuz/chromium is for Linux x86_64, not {platform.machine()}).")
    try:
        version = json.loads((PACKAGE / "package.json").read_text())["version"]
    except FileNotFoundError:
        raise NoChromium("No Chromium found, and npm's @sparticuz/chromium is not in "
                         "tests/browser/node_modules: run `make test` (it runs npm ci), "
                         "install Chromium or set CHROMIUM_PATH.") from None
    cache = HERE / "node_modules" / ".cache" / f"sparticuz-chromium-{version}"
    if not (cache / "launch.json").exists():
        inflate(cache)
    launch = json.loads((cache / "launch.json").read_text())
    libraries = [str(cache / folder) for folder in launch["libraries"]]
    return str(cache / launch["executable"]), {
        "LD_LIBRARY_PATH": os.pathsep.join(
            libraries + [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p]),
        "FONTCONFIG_FILE": str(cache / "fonts.conf"),
    }


def inflate(cache):
    """Have the package inflate its browser into `cache`, through a sibling folder that is
    renamed into place, so that an interrupted run leaves nothing half-written."""
    node = shutil.which("node")
    if node is None:
        raise NoChromium("No Chromium found, and no `node` on PATH to unpack npm's "
                         "@sparticuz/chromium: install Node.js or Chromium.")
    work = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {name: value for name, value in os.environ.items() if name != "LD_LIBRARY_PATH"}
    try:
        done = subprocess.run([node, HERE / "sparticuz-chromium.mjs"],  # noqa: S603
                              env=env | {"TMPDIR": str(work)}, cwd=HERE,
                              capture_output=True, text=True, check=True, timeout=600)
    except subprocess.CalledProcessError as error:
        shutil.rmtree(work, ignore_errors=True)
        lines = error.stderr.strip().splitlines() or ["(no output)"]
        why = next((line for line in lines if "Error" in line), lines[-1])
        raise NoChromium(f"npm's @sparticuz/chromium could not be unpacked: {why}") from None
    found = json.loads(done.stdout)
    (work / "launch.json").write_text(json.dumps({
        "executable": str(Path(found["executablePath"]).relative_to(work)),
        "libraries": [str(Path(folder).relative_to(work))
                      for folder in found["LD_LIBRARY_PATH"].split(os.pathsep) if folder],
    }))
    (work / "fonts.conf").write_text(FONTS_CONF.format(cache=cache))
    try:
        work.rename(cache)
    except OSError:  # another run got there first
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print(*find_chromium(), sep="\n")
