"""Regenerate the examples of README.md and docs/*.md: every command shown with its output is re-run, never typed.

Each example sits between two markers (example names are unique across the documents):

    <!-- example: NAME [slow] [keep=REGEX] [figure=RUN_FILE:docs/FILE.png ...] [screenshot=PAGE:docs/FILE.png ...]
                  [command="hsct-sim ..."] -->
    ```
    hsct-sim run scenarios/burt2006.toml
    ```

    ```
    (output, rewritten by this script)
    ```
    <!-- /example -->

The command is the `command=` option if given, else the first fenced block of the example (a trailing `\\`
continues a line). It runs through the `hsct-sim` console script of this Python's environment, from the
repository root, with the scenario's own seed, `--quiet` and `--output` in a temporary folder; the last
fenced block of the example is replaced by what it prints (without the `Run folder:` line, which names a
timestamp). A command `python scripts/NAME.py ...` runs that script of the repository with this Python, as
it is (no `--quiet`, no `--output`): for tables that no single `hsct-sim` command prints. `keep=REGEX` shows
only the lines matching REGEX, with `...` where lines were left out.
`figure=A:B` copies file A of the run folder to B (relative to the repository root), so the documents'
figures come from the same run. `screenshot=A:B` opens page A of the run folder (e.g. explorer.html, or
explorer.html#point=3,0 at a grid point) in headless Chromium (Debian's chromium and chromium-driver, and
selenium) at 1,200 x 1,440 CSS pixels and saves what shows as B. `slow` marks examples that take long: `make docs`
runs them all, the test suite
(tests/test_readme.py) re-runs only cheap ones.

Usage: python scripts/readme_examples.py [--only NAME ...] [--skip-slow] [--file README.md ...]
"""

from __future__ import annotations

import argparse
import base64
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def documents() -> list[Path]:
    """The README, then each page of docs/ (each question's tutorial and the references)."""
    return [README, *sorted(DOCS.glob("*.md"))]
MARKED = re.compile(r"<!-- example: (?P<spec>.*?) -->\n(?P<body>.*?)<!-- /example -->", re.DOTALL)
FENCE = re.compile(r"^```[^\n]*\n(?P<text>.*?)^```$", re.DOTALL | re.MULTILINE)
RUN_FOLDER_LINE = re.compile(r"^Run folder: ")


@dataclass
class Example:
    name: str
    command: str
    output: str
    slow: bool = False
    keep: str | None = None
    figures: list[tuple[str, str]] = field(default_factory=list)
    screenshots: list[tuple[str, str]] = field(default_factory=list)


def hsct_sim() -> str:
    """The console script installed next to this Python (the project's .venv), not one found on PATH."""
    script = Path(sys.executable).parent / "hsct-sim"
    if not script.exists():
        raise SystemExit(f"{script} not found: install the project first (make run, or pip install -e .)")
    return str(script)


def _parse(spec: str, body: str) -> Example:
    words = shlex.split(spec)
    name, options = words[0], words[1:]
    blocks = [m.group("text") for m in FENCE.finditer(body)]
    example = Example(name=name, command="", output=blocks[-1] if blocks else "")
    for option in options:
        key, _, value = option.partition("=")
        if key == "slow" and not value:
            example.slow = True
        elif key == "keep":
            example.keep = value
        elif key == "figure":
            source, _, target = value.partition(":")
            example.figures.append((source, target))
        elif key == "screenshot":
            source, _, target = value.partition(":")
            example.screenshots.append((source, target))
        elif key == "command":
            example.command = value
        else:
            raise SystemExit(f"example {name}: unknown option {option!r}")
    if not example.command:
        if len(blocks) < 2:
            raise SystemExit(f"example {name}: needs a command block and an output block")
        example.command = " ".join(line.rstrip("\\").strip() for line in blocks[0].strip().splitlines())
    return example


def examples(text: str) -> list[Example]:
    """The marked examples of a document's text, in order."""
    return [_parse(m.group("spec"), m.group("body")) for m in MARKED.finditer(text)]


def all_examples(files: list[Path] | None = None) -> dict[str, tuple[Path, Example]]:
    """Every marked example of the documents, by name, with the document it is in; a name used twice is refused."""
    found: dict[str, tuple[Path, Example]] = {}
    for path in documents() if files is None else files:
        for example in examples(path.read_text()):
            if example.name in found:
                raise SystemExit(f"example {example.name} is in both {found[example.name][0]} and {path}")
            found[example.name] = (path, example)
    return found


def run(example: Example, folder: Path) -> str:
    """Run the example's command with its run folder at `folder`; return what it prints, as shown."""
    argv = shlex.split(example.command)
    if argv[0] == "python" and len(argv) > 1 and argv[1].startswith("scripts/"):
        command = [sys.executable, *argv[1:]]
    elif argv[0] == "hsct-sim":
        command = [hsct_sim(), *argv[1:], "--quiet", "--output", str(folder)]
    else:
        raise SystemExit(f"example {example.name}: the command must start with hsct-sim or "
                         f"python scripts/: {example.command}")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"example {example.name} failed (exit code {done.returncode}):\n"
                         f"{example.command}\n{done.stderr}")
    return shown(done.stdout, example.keep)


def shown(stdout: str, keep: str | None = None) -> str:
    """Printed output as the README shows it: no run folder line, no trailing spaces, `keep` applied."""
    lines = [line.rstrip() for line in stdout.splitlines() if not RUN_FOLDER_LINE.match(line)]
    while lines and not lines[-1]:
        lines.pop()
    if keep is not None:
        pattern = re.compile(keep)
        kept: list[str] = []
        for line in lines:
            if pattern.search(line):
                kept.append(line)
            elif not kept or kept[-1] != "...":
                kept.append("...")
        lines = kept
    return "\n".join(lines) + "\n"


def screenshot(address: str, target: Path, width: int = 1200, height: int = 1440) -> None:
    """What a reader first sees of an HTML page of a run folder (its file:// address), as a PNG."""
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        raise SystemExit(f"{target.name}: a screenshot needs chromium and chromium-driver (apt-get install chromium "
                         "chromium-driver) and selenium (pip install '.[test]')")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        driver.get(address)
        target.write_bytes(
            base64.b64decode(driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"])
        )
    finally:
        driver.quit()


def regenerate(files: list[Path], only: set[str] | None = None, skip_slow: bool = False) -> None:
    found = all_examples(files)
    unknown = (only or set()) - set(found)
    if unknown:
        raise SystemExit(f"no example named {sorted(unknown)}; examples: {sorted(found)}")
    for path in files:
        _regenerate(path, only, skip_slow)


def _regenerate(document: Path, only: set[str] | None, skip_slow: bool) -> None:
    text = document.read_text()

    def rewrite(match: re.Match[str]) -> str:
        example = _parse(match.group("spec"), match.group("body"))
        if (only and example.name not in only) or (skip_slow and example.slow):
            return match.group(0)
        began = time.perf_counter()
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "run"
            output = run(example, folder)
            for source, target in example.figures:
                shutil.copyfile(folder / source, ROOT / target)
            for source, target in example.screenshots:
                page, _, point = source.partition("#")
                screenshot((folder / page).as_uri() + (f"#{point}" if point else ""), ROOT / target)
        print(f"{example.name}: {time.perf_counter() - began:.0f} s", file=sys.stderr)
        body = match.group("body")
        last = list(FENCE.finditer(body))[-1]
        body = body[: last.start("text")] + output + body[last.end("text"):]
        return match.group(0).replace(match.group("body"), body, 1)

    rewritten = MARKED.sub(rewrite, text)
    if rewritten != text:
        document.write_text(rewritten)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-run the examples of README.md and docs/ and rewrite their output.")
    parser.add_argument("--only", action="append", metavar="NAME", help="only this example (repeatable)")
    parser.add_argument("--skip-slow", action="store_true", help="leave examples marked slow as they are")
    parser.add_argument("--file", action="append", type=Path, metavar="PATH",
                        help="only this document (repeatable; default: README.md and every docs/*.md)")
    args = parser.parse_args(argv)
    regenerate(args.file or documents(), set(args.only) if args.only else None, args.skip_slow)
    return 0


if __name__ == "__main__":
    sys.exit(main())
