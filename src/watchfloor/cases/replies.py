"""Reply templates (config/replies.yaml): messages to reporters and users, with variables.

Rendered in Jinja2's sandbox with strict undefined variables, and checked at load: a template
that names a variable we do not provide is an error naming the file and the template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from watchfloor.cases.schemas import ActionKind
from watchfloor.configfile import load_yaml_model

VARIABLES = ("case_key", "harm_area", "policy_id", "policy_title", "subject", "violation")
_env = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


def _check_template(body: str) -> str:
    try:
        parsed = _env.parse(body)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template syntax error on its line {exc.lineno}: {exc.message}") from exc
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(VARIABLES))
    if unknown:
        raise ValueError(f"unknown variable(s) {', '.join(unknown)}; known: {', '.join(VARIABLES)}")
    return body


class ReplyTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    title: str
    for_action: ActionKind = Field(alias="for", description="The action this message goes with.")
    body: Annotated[str, StringConstraints(min_length=10, max_length=5000)]

    _body = field_validator("body")(_check_template)

    def render(self, **values: Any) -> str:
        text: str = _env.from_string(self.body).render(**values)
        return " ".join(line.strip() for line in text.strip().splitlines())


class ReplyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    templates: list[ReplyTemplate] = Field(default_factory=list)

    def get(self, template_id: str) -> ReplyTemplate | None:
        return next((t for t in self.templates if t.id == template_id), None)


def load_replies(config_dir: Path) -> ReplyConfig:
    path = config_dir / "replies.yaml"
    if not path.exists():
        return ReplyConfig(version=1)
    return load_yaml_model(path, ReplyConfig)
