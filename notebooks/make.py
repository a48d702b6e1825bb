#!/usr/bin/python3
"""Writes the five specmorph notebooks from their TypeScript sources in notebooks/src/.

A source is the notebook's cells in jupytext's "percent" format: `// %% [markdown]` starts a
markdown cell whose lines are `//` comments (`// ` is removed), `// %%` starts a code cell; blank
lines around a cell are not part of it. One file per notebook, so its cells share top-level names
as they do in a kernel session, and `npm run typecheck` checks them with the project's TypeScript
(notebooks/tsconfig.json). Cell code follows tslab, not just tsc: a name from an earlier cell must
be written out in an object literal (`{ cacheDir: cacheDir }`, not `{ cacheDir }`), because tslab
does not see a previous cell's const through the shorthand.

  make.py               writes notebooks/NN-name.ipynb for every notebooks/src/NN-name.ts, without
                        outputs. `npm start` executes them into reports/notebooks/.
  make.py --adopt DIR   copies the executed notebooks from DIR (reports/notebooks) over them, so
                        GitHub shows the figures.
  make.py --check       exits 1 naming the first cell where a committed notebook differs from its
                        source (outputs and execution metadata are not compared)."""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
MARKER = re.compile(r"// %%(.*)")


def shown(p):
    """`p` as messages name it: from the repository root (notebooks/src/01-x.ts)."""
    return p.relative_to(HERE.parent)


class SourceError(Exception):
    pass


def cells_of(path):
    """The cells of one source file as notebook cells (ids `NN-00`, `NN-01`, ...)."""
    src = shown(path)
    chunks = [(None, 1, [])]  # (kind, line of its marker, [(line number, text)])
    for n, line in enumerate(path.read_text().split("\n"), 1):
        m = MARKER.fullmatch(line)
        if m is None:
            chunks[-1][2].append((n, line))
        elif m.group(1) in ("", " [markdown]"):
            chunks.append(("markdown" if m.group(1) else "code", n, []))
        else:
            raise SourceError(f"{src}:{n}: unknown cell marker {line!r} (use '// %%' or '// %% [markdown]')")
    if any(text.strip() for _, text in chunks[0][2]):
        raise SourceError(f"{src}:1: text before the first '// %%' cell marker")
    if len(chunks) == 1:
        raise SourceError(f"{src}: no cells (a cell starts with '// %%' or '// %% [markdown]')")
    cells = []
    for kind, start, lines in chunks[1:]:
        while lines and lines[-1][1] == "":
            lines.pop()
        while lines and lines[0][1] == "":
            lines.pop(0)
        if not lines:
            raise SourceError(f"{src}:{start}: empty {kind} cell")
        if kind == "markdown":
            for n, text in lines:
                if text != "//" and not text.startswith("// "):
                    raise SourceError(f"{src}:{n}: a markdown cell line must be '//' or start with '// ', got {text!r}")
            lines = [(n, text[3:]) for n, text in lines]
        cell = {"cell_type": kind, "metadata": {}}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cell["source"] = "\n".join(text for _, text in lines)
        cell["id"] = f"{path.stem[:2]}-{len(cells):02d}"
        cells.append(cell)
    return cells


def notebook(cells):
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def dumps(nb):
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def sources():
    found = sorted(SOURCES.glob("[0-9][0-9]-*.ts"))
    if not found:
        raise SourceError(f"{shown(SOURCES)}: no notebook sources (NN-name.ts)")
    return found


def write():
    built = [(src.stem, dumps(notebook(cells_of(src)))) for src in sources()]  # all parse before any is written
    for name, text in built:
        (HERE / f"{name}.ipynb").write_text(text)
    print("wrote", [f"{name}.ipynb" for name, _ in built])


def differing_cell(src, nb):
    """The id of the first cell where notebook `nb` (a dict) differs from source `src`, or None.
    Only ids, types and text count: outputs and execution metadata are what executing adds."""
    key = lambda c: (c.get("id"), c.get("cell_type"), "".join(c.get("source", "")))  # source: text or lines
    want, have = cells_of(src), nb["cells"]
    for i in range(max(len(want), len(have))):
        w, h = (want[i] if i < len(want) else {}), (have[i] if i < len(have) else {})
        if key(w) != key(h):
            return w.get("id") or h.get("id") or f"number {i}"
    return None


def check():
    """Problems between the sources and the committed notebooks, one line each."""
    problems = []
    for src in sources():
        ipynb = HERE / f"{src.stem}.ipynb"
        if not ipynb.exists():
            problems.append(f"{shown(ipynb)}: missing; run python3 notebooks/make.py")
        elif (cell := differing_cell(src, json.loads(ipynb.read_text()))) is not None:
            problems.append(f"{shown(ipynb)}: cell {cell} differs from {shown(src)}; run python3 notebooks/make.py")
    names = {src.stem for src in sources()}
    for p in sorted(HERE.glob("[0-9][0-9]-*.ipynb")):
        if p.stem not in names:
            problems.append(f"{shown(p)}: no source {shown(SOURCES)}/{p.stem}.ts")
    return problems


def is_plotly_loader(output):
    return "embedded by specmorph" in "".join(output.get("data", {}).get("text/html", ""))


def adopt(src_dir):
    """Copies executed notebooks from `src_dir` (e.g. reports/notebooks) over the committed ones,
    dropping the ~10 MB plotly.js loader output: GitHub shows the PNGs without it, and a live kernel
    re-embeds it. Refuses, before writing any, a notebook executed from other cells than its source."""
    adopted = []
    for p in sorted(Path(src_dir).glob("[0-9][0-9]-*.ipynb")):
        nb = json.loads(p.read_text())
        src = SOURCES / f"{p.stem}.ts"
        if not src.exists():
            raise SourceError(f"{p}: no source {shown(src)}")
        if (cell := differing_cell(src, nb)) is not None:
            raise SourceError(f"{p}: cell {cell} differs from {shown(src)}; "
                              "run python3 notebooks/make.py, then npm start again")
        count = 0
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                c["outputs"] = [o for o in c["outputs"] if not is_plotly_loader(o)]
                # Number the cells (tslab sends no execute_input, so plain nbconvert leaves them null).
                count += 1
                c["execution_count"] = count
        adopted.append((p.name, dumps(nb)))
    if not adopted:
        raise SourceError(f"{src_dir}: no executed notebooks (NN-name.ipynb)")
    for name, text in adopted:
        (HERE / name).write_text(text)
        print("adopted", name, (HERE / name).stat().st_size // 1024, "KB")


if __name__ == "__main__":
    try:
        if len(sys.argv) == 3 and sys.argv[1] == "--adopt":
            adopt(sys.argv[2])
        elif sys.argv[1:] == ["--check"]:
            problems = check()
            print("\n".join(problems) or "notebooks match their sources")
            sys.exit(1 if problems else 0)
        elif len(sys.argv) == 1:
            write()
        else:
            sys.exit(f"usage: {sys.argv[0]} [--check | --adopt DIR]")
    except SourceError as e:
        sys.exit(str(e))
