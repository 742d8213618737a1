"""report.html: one self-contained page per run folder (figures embedded, no scripts, no network), built
from the folder's own files so that `hsct-sim report FOLDER` and the automatic report share one code path;
and outputs/index.html, the list of every run folder."""

from __future__ import annotations

import fcntl
import json
import os
import platform
import secrets
import warnings
from html import escape
from pathlib import Path

from simulator.outcomes.vocabulary import REFERENCE_COLOUR
from simulator.report.html_parts import created, figure_files, figure_html
from simulator.report.pages import open_page
from simulator.version import __version__

CSS = """
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:62rem;padding:0 .8rem;
color:#1a1a1a;overflow-wrap:anywhere}
h1{font-size:1.35rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;margin-top:2rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
th,td{padding:.2rem .5rem;border-bottom:1px solid #e2e2e2;text-align:right;white-space:nowrap;overflow-wrap:normal}
th:first-child,td:first-child{text-align:left;white-space:normal;min-width:8rem}th{background:#f3f5f8;white-space:normal}
table.runs th,table.runs td{white-space:normal;text-align:left}table.runs td:nth-child(5){min-width:14rem}
table.runs td:last-child{font-size:.75rem;overflow-wrap:anywhere;min-width:10rem}
pre.printed{white-space:pre;overflow-x:auto;font-size:.78rem}
dt{font-weight:600}dd{margin:0 0 .5rem 0}figure{margin:1.2rem 0;break-inside:avoid}\
img{max-width:100%;height:auto;display:block}
figcaption{font-size:.9rem;color:#333}pre{white-space:pre-wrap;font-size:.8rem;background:#f6f6f6;padding:.6rem}
.warning{border-left:4px solid {REFERENCE_COLOUR};background:#fdf0ee;padding:.4rem .8rem}
@page{size:A4;margin:14mm}
@media print{body{max-width:none;font-size:11pt}.scroll{overflow:visible}img{max-height:24cm;width:auto}
h2{break-after:avoid}table{font-size:8pt}a{color:inherit;text-decoration:none}}
""".replace("{REFERENCE_COLOUR}", REFERENCE_COLOUR)
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body>
{body}
</body></html>
"""


def build(folder: Path) -> Path:
    """Write folder/report.html from the folder's manifest.json, CSVs and PNGs; return its path."""
    run = open_page(folder)
    sections = [f"<h1>{escape(run.title)}</h1>", f"<p><strong>{escape(run.question())}</strong></p>"]
    if (folder / "explorer.html").is_file():  # a sweep's offline explorer, beside this page
        sections.append('<p><a href="explorer.html">Explorer</a>: a slider per swept parameter and every view at '
                        "each grid point, in one offline page.</p>")
    if run.warnings():
        items = "".join(f"<li>{escape(w)}</li>" for w in run.warnings())
        sections.append(f'<div class="warning"><strong>Warnings</strong><ul>{items}</ul></div>')
    printed = run.printed()
    if printed is not None:
        sections += ["<h2>Results, as the terminal printed them</h2>",
                     f'<pre class="printed">{escape(printed)}</pre>']
    sections += ["<h2>Tables</h2>", *run.tables()]
    figures = [figure_html(path, run.catalogue) for path in figure_files(folder, run.figure_order())]
    if figures:
        sections += ["<h2>Figures</h2>", *figures]
    sections += ["<h2>The scenario as run</h2>", *run.scenario_texts(), "<h2>Provenance</h2>", run.provenance()]
    path = folder / "report.html"
    path.write_text(PAGE.format(title=escape(run.title), css=CSS, body="\n".join(sections)), encoding="utf-8")
    return path


def write(folder: Path) -> None:
    """At the end of a run: record the scenario files' text and the platform in manifest.json (a later
    `hsct-sim report` may not find the files), then build the report. A failure here must not cost the run's
    results, so it becomes a warning."""
    try:
        manifest_path = folder / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = [arg for arg in manifest.get("command", [])[1:] if arg.endswith(".toml") and Path(arg).is_file()]
        manifest.setdefault("scenario_files", {arg: Path(arg).read_text(encoding="utf-8") for arg in files})
        manifest.setdefault("platform", platform.platform())
        manifest_path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        build(folder)
    except Exception as error:  # noqa: BLE001 - the run folder is worth more than its report
        warnings.warn(f"report.html not written: {type(error).__name__}: {error}", stacklevel=2)


def update_index(folder: Path, outputs: Path) -> None:
    """If `folder` is in `outputs`, rewrite outputs/index.html from every run folder there. Two runs finishing
    together take turns (a lock file), and readers never see a half-written page (temporary file, os.replace)."""
    if folder.resolve().parent != outputs.resolve():
        return
    with open(outputs / ".index.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folders = [f for f in outputs.iterdir() if not f.name.startswith(".") and (f / "manifest.json").is_file()]
        kept = _kept_rows(outputs)
        rows = {f.name: _cached_row(f, kept) for f in sorted(folders, key=created, reverse=True)}
        head = "".join(f"<th>{h}</th>" for h in INDEX_COLUMNS)
        body = (f"<h1>hsct-sim runs in {escape(str(outputs))}</h1><p>{len(rows)} run folders, newest first.</p>"
                f'<div class="scroll"><table class="runs"><tr>{head}</tr>'
                f'{"".join(row for _, row in rows.values())}</table></div>')
        _replace(outputs / "index.html", PAGE.format(title="hsct-sim runs", css=CSS, body=body))
        _replace(outputs / INDEX_ROWS, json.dumps({"version": __version__, "rows": rows}))


INDEX_ROWS = ".index_rows.json"  # each run folder's row of index.html, with what it was read from (_row_key)


def _replace(path: Path, text: str) -> None:
    """Write `path` whole (a temporary file, then os.replace), created as any file the run writes, with the user's
    umask (tempfile would make it 0600)."""
    temporary = path.with_name(f".{path.stem}-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


def _kept_rows(outputs: Path) -> dict[str, list]:
    """The rows the last index was built from, by folder name: a run folder does not change once complete, so
    each run reads only its own folder, not every earlier one (each costs a hundredth of a second). Nothing when
    unreadable or written by another version."""
    try:
        kept = json.loads((outputs / INDEX_ROWS).read_text(encoding="utf-8"))
        return kept["rows"] if kept.get("version") == __version__ and isinstance(kept["rows"], dict) else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _cached_row(folder: Path, kept: dict[str, list]) -> tuple[list, str]:
    """(what the row was read from, the row): the kept row while the folder's manifest and pages are as they were,
    else read anew."""
    key = _row_key(folder)
    found = kept.get(folder.name)
    if isinstance(found, list) and len(found) == 2 and found[0] == key and isinstance(found[1], str):
        return key, found[1]
    return key, _index_row(folder)


def _row_key(folder: Path) -> list:
    """What a row depends on beyond files that never change: the manifest's time and size (a report rebuilt,
    a folder replaced) and which pages exist."""
    manifest = (folder / "manifest.json").stat()
    return [manifest.st_mtime_ns, manifest.st_size, (folder / "report.html").is_file(),
            (folder / "explorer.html").is_file()]


INDEX_COLUMNS = ("date (UTC)", "command", "scenario", "changed on the command line", "headline", "report")


def _index_row(folder: Path) -> str:
    """One row of outputs/index.html; a folder that cannot be read says so instead of breaking the index."""
    name = escape(folder.name)
    try:
        run = open_page(folder)
        cells = [run.command, ", ".join(run.scenarios) or "closed forms", run.settings(), run.headline()]
    except Exception as error:  # noqa: BLE001 - a folder from another version must not hide the others
        cells = ["", "", "", f"unreadable: {type(error).__name__}: {error}"]
    link = f'<a href="{name}/report.html">{name}</a>' if (folder / "report.html").is_file() else name
    if (folder / "explorer.html").is_file():  # a sweep's offline explorer
        link += f' (<a href="{name}/explorer.html">explorer</a>)'
    date = created(folder).strftime("%Y-%m-%d %H:%M")
    return "<tr>" + "".join(f"<td>{c}</td>" for c in [date, *map(escape, cells), link]) + "</tr>"


