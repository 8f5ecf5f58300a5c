"""The trustworthy evaluation (#20 item 1): the grouped sealed split, the intervals, and
`watchfloor triage eval` as a user runs it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import orjson
import pytest
from sklearn.metrics import average_precision_score

from tests.cli_runner import run_cli
from watchfloor.triage.evaluation.datasets import LabelMapping, find_mapping, sealed_rows, text_key
from watchfloor.triage.evaluation.intervals import average_precision, bootstrap_auprc, wilson

ROOT = Path(__file__).resolve().parents[3]


def word(k: int) -> str:
    """A word for a number (digits would be stripped from the near-duplicate key): 12 → "bc"."""
    return "".join(chr(ord("a") + int(d)) for d in str(k))


def test_wilson_matches_the_published_formula_and_stays_in_bounds() -> None:
    # Newcombe (1998), table I: 81/263 → 0.2553 to 0.3662.
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 10)[0] == 0.0 and 0.27 < wilson(0, 10)[1] < 0.29
    assert wilson(10, 10)[1] == 1.0 and 0.71 < wilson(10, 10)[0] < 0.73
    assert wilson(0, 0) == (0.0, 1.0)


def test_average_precision_is_scikit_learns_also_with_ties_and_resampling() -> None:
    rng = np.random.default_rng(7)
    truth = rng.random(500) < 0.3
    score = np.round(rng.random(500) + truth * 0.4, 1)  # rounded: many tied scores
    ones = np.ones((1, 500))
    assert average_precision(truth, score, ones)[0] == pytest.approx(
        average_precision_score(truth, score)
    )
    drawn = rng.integers(0, 500, 500)
    weights = np.bincount(drawn, minlength=500)[None, :].astype(float)
    assert average_precision(truth, score, weights)[0] == pytest.approx(
        average_precision_score(truth[drawn], score[drawn])
    )


def test_bootstrap_auprc_is_reproducible_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(3)
    truth = list(rng.random(300) < 0.4)
    score = list(rng.random(300) + np.array(truth) * 0.5)
    first = bootstrap_auprc(truth, score)
    assert first is not None and first == bootstrap_auprc(truth, score)
    assert first[0] < average_precision_score(truth, score) < first[1]
    assert bootstrap_auprc([True, True], [0.1, 0.9]) is None


def test_near_duplicates_share_a_key() -> None:
    assert text_key("I HATE 2 of them!!!") == text_key("i hate of   them")
    assert text_key("Je déteste ça.") == "je déteste ça"
    assert text_key("one") != text_key("two")


HATECHECK = LabelMapping(
    name="t",
    areas={"hateful": ["hate"], "non-hateful": []},
    group="target_ident",
    template="functionality",
    template_scope="language",
)


def _template_rows() -> list[dict[str, object]]:
    """Sixty templates, each filled with three groups, in two languages whose text does not
    contain the group's English name (as in Multilingual HateCheck)."""
    rows: list[dict[str, object]] = []
    for language in ("english", "french"):
        for k in range(60):
            for n, target in enumerate(("women", "immigrants", "trans people")):
                rows.append(
                    {
                        "text": f"{language} sentence {word(k)} about group {word(n)}",
                        "label": "hateful",
                        "functionality": "derog_h",
                        "target_ident": target,
                        "language": language,
                    }
                )
    return rows


def test_a_template_never_straddles_the_sealed_part_in_any_language() -> None:
    rows = _template_rows()
    sealed = sealed_rows(rows, HATECHECK)
    by_template: dict[int, set[bool]] = {}
    for i, s in enumerate(sealed):
        by_template.setdefault((i % 180) // 3, set()).add(s)
    assert all(len(sides) == 1 for sides in by_template.values())
    assert 0.05 < sum(sealed) / len(sealed) < 0.4


def test_near_duplicates_never_straddle_the_sealed_part() -> None:
    rows: list[dict[str, object]] = []
    for k in range(200):
        rows += [
            {"text": f"Report {word(k)} words 12", "label": "spam"},
            {"text": f"REPORT  {word(k)}, words 345!", "label": "spam"},
        ]
    sealed = sealed_rows(rows, LabelMapping(name="t", areas={"spam": []}))
    assert all(sealed[i] == sealed[i + 1] for i in range(0, len(rows), 2))
    assert 0 < sum(sealed) < len(rows)


def test_a_mapping_is_found_by_whole_path_parts(tmp_path: Path) -> None:
    (tmp_path / "hc.yaml").write_text(
        "name: hc\nfile: hatecheck/normalized.jsonl\nareas: {hateful: [hate]}\n"
    )
    (tmp_path / "mhc.yaml").write_text(
        "name: mhc\nfile: multilingual_hatecheck/normalized.jsonl\nareas: {hateful: [hate]}\n"
    )
    found = find_mapping(
        Path("/data/multilingual_hatecheck/normalized.jsonl"), None, tmp_path, ["hate"]
    )
    assert found.name == "mhc"


def _write_set(directory: Path) -> tuple[Path, Path]:
    rows = []
    for k in range(150):
        rows.append(
            {
                "text": f"you won a prize {word(k)}, call 0906170{k:04d} to claim",
                "label": "spam",
                "kind": "a",
            }
        )
        rows.append(
            {"text": f"see you at lunch on day {word(k)} of the trip", "label": "ham", "kind": "b"}
        )
    data = directory / "sms" / "set.jsonl"
    data.parent.mkdir()
    data.write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    mapping = directory / "sms.yaml"
    mapping.write_text(
        "name: sms\nfile: sms/set.jsonl\nfield: label\n"
        "areas: {spam: [fraud_scams], ham: []}\nbreakdown: kind\n"
    )
    return data, mapping


def test_eval_scores_a_known_set_on_its_sealed_part_with_intervals(tmp_path: Path) -> None:
    data, mapping = _write_set(tmp_path)
    done = run_cli("sqlite://", "triage", "eval", str(data), "--mapping", str(mapping))
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    sealed = sum(
        sealed_rows(
            [orjson.loads(line) for line in data.read_bytes().splitlines()],
            LabelMapping(name="sms", areas={"spam": [], "ham": []}),
        )
    )
    assert first.startswith(f"sms (sealed part, {sealed} of 300 rows): {sealed} rows, accuracy ")
    assert "[" in first  # the accuracy's interval
    assert "false-positive rate on benign look-alikes: " in done.stdout
    assert "by value" in done.stdout and "  a " in done.stdout

    every = run_cli(
        "sqlite://", "triage", "eval", str(data), "--mapping", str(mapping), "--all-rows"
    )
    assert every.returncode == 0, every.stderr
    assert every.stdout.startswith("sms: 300 rows, accuracy ")


def test_eval_of_several_sets_ends_with_a_summary(tmp_path: Path) -> None:
    data, mapping = _write_set(tmp_path)
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config, ignore=shutil.ignore_patterns("sealed"))
    shutil.copy(mapping, config / "datasets" / "sms.yaml")
    (config / "datasets" / "sms_again.yaml").write_text(
        mapping.read_text()
        .replace("sms/set.jsonl", "again/set.jsonl")
        .replace("name: sms", "name: again")
    )
    (tmp_path / "again").mkdir()
    again = tmp_path / "again" / "set.jsonl"
    again.write_bytes(data.read_bytes())
    done = run_cli(
        "sqlite://", "triage", "eval", str(data), str(again), WATCHFLOOR_CONFIG_DIR=str(config)
    )
    assert done.returncode == 0, done.stderr
    summary = done.stdout[done.stdout.index("summary") :].splitlines()
    assert summary[1].split()[:2] == ["set", "n"]
    assert [line.split()[0] for line in summary[2:]] == ["sms", "again"]

    both = run_cli(
        "sqlite://", "triage", "eval", str(data), str(again), "--labels", "spam=fraud_scams,ham="
    )
    assert both.returncode != 0
    assert "--mapping and --labels apply to one file" in both.stderr
    assert len(both.stderr.strip().splitlines()) == 1


def test_make_eval_runs_every_set(tmp_path: Path) -> None:
    """Every mapping with a file is in the Makefile's eval target."""
    makefile = (ROOT / "Makefile").read_text()
    for yaml_file in (ROOT / "config" / "datasets").glob("*.yaml"):
        line = next((x for x in yaml_file.read_text().splitlines() if x.startswith("file:")), "")
        path = line.removeprefix("file:").strip()
        if path and path != "demo_reports.jsonl":
            assert path in makefile, yaml_file.name
