"""The hashes commands: import a file into a (new) list, list the lists; errors are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import run_cli
from tests.triage.hashes.images import encode, pattern
from watchfloor.triage.hashes.hashing import compute


@pytest.fixture
def db(db_url: str) -> str:
    return db_url


def test_import_creates_the_list_then_adds_to_it(db: str, tmp_path: Path) -> None:
    pdq = compute(encode(pattern(1))).pdq
    first = tmp_path / "known.csv"
    first.write_text(f"algorithm,value,label\npdq,{pdq},known\nmd5,{'a' * 32},\n")
    done = run_cli(db, "hashes", "import", str(first), "--list", "ncmec-demo", "--child-safety")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ncmec-demo: added 2, 0 already there; 2 hashes on the list"

    te = tmp_path / "signals.txt"
    te.write_text(f"pdq {pdq}\nvideo_sha256 {'b' * 64}\nurl https://x.test\n")
    done = run_cli(
        db, "hashes", "import", str(te), "--list", "ncmec-demo", "--format", "threatexchange"
    )
    assert done.returncode == 0, done.stderr
    assert "added 1, 1 already there, skipped 1 of signal type 'url'; 3 hashes" in done.stdout

    listed = run_cli(db, "hashes", "list")
    assert listed.stdout.split("\n")[0].split("\t") == [
        "ncmec-demo",
        "child_safety",
        "child-safety",
        "csv",
        "3 hashes",
    ]


def test_errors_are_one_line_and_change_nothing(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("algorithm,value\nmd5,nothex\n")
    done = run_cli(
        db, "hashes", "import", str(bad), "--list", "x", "--harm-area", "spam_manipulation"
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: nothing imported: 1 bad line(s): line 2: 'nothex' is not a MD5 hash "
        "(32 hexadecimal characters)"
    )
    # The list made for the import was rolled back with it.
    assert "no hash lists" in run_cli(db, "hashes", "list").stdout

    good = tmp_path / "good.csv"
    good.write_text(f"algorithm,value\nmd5,{'c' * 32}\n")
    assert run_cli(db, "hashes", "import", str(good), "--list", "y").returncode == 0
    for args, expected in [
        (("--list", "y", "--child-safety"), "error: hash list 'y' is not marked child safety"),
        (("--list", "y", "--harm-area", "hate"), "error: hash list 'y' is about 'unclassified'"),
        (("--list", "y", "--format", "xml"), "error: unknown format 'xml'"),
        (("--list", "Bad Name"), "error: invalid name"),
        (("--list", "z", "--harm-area", "weather"), "error: unknown harm area 'weather'"),
    ]:
        done = run_cli(db, "hashes", "import", str(good), *args)
        assert done.returncode != 0
        assert done.stderr.strip().startswith(expected), done.stderr
        assert "Traceback" not in done.stderr
