"""The README's sample outputs are what the commands print: each `$ kg ...` line of the block under
"Asking questions" is run on the bundled corpus (with the shipped published results imported) in an
80-column terminal and its output compared.

After an intended change of the output (or of the extraction), rewrite the samples from the real
output and review the diff:

    .venv/bin/python tests/test_readme.py
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, ROOT
from kg.cli import cli

README = ROOT / "README.md"
BLOCK = re.compile(r"(## Asking questions\n\n```text\n)(.*?)(\n```)", re.S)


def samples(text: str) -> list[tuple[str, str]]:
    """(command, printed output) for each `$ kg ...` line of the block."""
    found = BLOCK.search(text)
    assert found, "README.md has no ```text block right under '## Asking questions'"
    out: list[tuple[str, str]] = []
    for part in re.split(r"^\$ ", found.group(2), flags=re.M)[1:]:
        command, _, printed = part.partition("\n")
        out.append((command, printed.rstrip()))
    return out


def printed(command: str, store: Path | str) -> str:
    """What `command` prints (stdout and stderr, in order) on `store`, 80 columns wide."""
    args = shlex.split(command)
    assert args[0] == "kg", command
    r = CliRunner().invoke(cli, [*args[1:], "--store", str(store)], env={"COLUMNS": "80"})
    assert "Traceback" not in r.output and r.exit_code in (0, 1), r.output
    return r.output.rstrip()


def rewrite(text: str, store: Path | str) -> str:
    """The README with every sample's output replaced by what the command prints now."""
    found = BLOCK.search(text)
    assert found
    block = "\n\n".join(f"$ {command}\n{printed(command, store)}" for command, _ in samples(text))
    return text[:found.start(2)] + block + text[found.end(2):]


SAMPLES = samples(README.read_text(encoding="utf-8"))


def test_the_readme_shows_the_lookups():
    commands = " ".join(c for c, _ in SAMPLES)
    for name in ("who-owns", "agency", "targets", "compare", "cites"):
        assert f"kg {name} " in commands, name


def sample_store(out: Path) -> Path:
    """The store the samples run on: the bundled corpus with the shipped published results imported."""
    from kg.actuals import import_actuals
    from kg.pipeline import build
    store = build([CORPUS], out).store
    for csv_file in sorted((ROOT / "data" / "actuals").glob("*.csv")):
        import_actuals(store, csv_file)
    return store


@pytest.fixture(scope="module")
def readme_store(tmp_path_factory):
    return sample_store(tmp_path_factory.mktemp("readme") / "store")


@pytest.mark.parametrize("command, expected", SAMPLES, ids=[c for c, _ in SAMPLES])
def test_readme_sample_is_what_the_command_prints(readme_store, command, expected):
    assert printed(command, readme_store) == expected, (
        "README.md's sample differs from the real output: run `.venv/bin/python tests/test_readme.py`")


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        store = sample_store(Path(tmp) / "store")
        text = README.read_text(encoding="utf-8")
        new = rewrite(text, store)
        README.write_text(new, encoding="utf-8")
    print("README.md samples " + ("updated" if new != text else "already up to date"))


if __name__ == "__main__":
    main()
