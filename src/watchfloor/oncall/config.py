"""The on-call configuration: schedules and contacts (config/oncall.yaml) and escalation
policies (config/escalation.yaml), each file checked alone and then against the other."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel

from watchfloor.configfile import _line_of, load_yaml_model
from watchfloor.oncall.escalation import EscalationFile, Policy
from watchfloor.oncall.schedules import Contact, OncallFile, Schedule
from watchfloor.settings import Settings


class OncallConfig(BaseModel):
    """Schedules, contacts and escalation policies, checked against each other."""

    schedules: dict[str, Schedule]
    people: dict[str, Contact]
    escalation: EscalationFile

    def policy_for(self, schedule: str | None) -> tuple[str, Policy]:
        sched = self.schedules.get(schedule) if schedule else None
        name = (sched.escalation_policy if sched else None) or self.escalation.default_policy
        return name, self.escalation.policies[name]


def _where(path: Path, *loc: str | int) -> str:
    """``file:line: a.b.c`` for a field found valid alone but wrong against another file."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    return f"{path}:{_line_of(root, loc)}: {'.'.join(str(p) for p in loc)}"


def _cross_check(oncall: OncallFile, escalation: EscalationFile, config_dir: Path) -> list[str]:
    on, esc = config_dir / "oncall.yaml", config_dir / "escalation.yaml"
    schedules = ", ".join(sorted(oncall.schedules)) or "none"
    problems = []
    for name, sched in oncall.schedules.items():
        if sched.escalation_policy and sched.escalation_policy not in escalation.policies:
            problems.append(
                f"{_where(on, 'schedules', name, 'escalation_policy')}: unknown policy "
                f"{sched.escalation_policy!r}; {esc.name} defines "
                + ", ".join(sorted(escalation.policies))
            )
    if escalation.default_schedule and escalation.default_schedule not in oncall.schedules:
        problems.append(
            f"{_where(esc, 'default_schedule')}: unknown schedule "
            f"{escalation.default_schedule!r}; {on.name} defines {schedules}"
        )
    lead = escalation.fallback.lead_schedule
    if lead and lead not in oncall.schedules:
        problems.append(
            f"{_where(esc, 'fallback', 'lead_schedule')}: unknown schedule {lead!r}; "
            f"{on.name} defines {schedules}"
        )
    for i, user in enumerate(escalation.fallback.catch_all):
        if user not in oncall.people:
            problems.append(
                f"{_where(esc, 'fallback', 'catch_all', i)}: unknown person {user!r}; add them "
                f"to people in {on.name} so a page can reach them"
            )
    for i, name in enumerate(escalation.coverage.shift_schedules):
        if name not in oncall.schedules:
            where = _where(esc, "coverage", "shift_schedules", i)
            problems.append(f"{where}: unknown schedule {name!r}; {on.name} defines {schedules}")
    for pname, policy in escalation.policies.items():
        for i, step in enumerate(policy.steps):
            if step.schedule and step.schedule not in oncall.schedules:
                problems.append(
                    f"{_where(esc, 'policies', pname, 'steps', i, 'schedule')}: unknown "
                    f"schedule {step.schedule!r}; {on.name} defines {schedules}"
                )
    return problems


def load_oncall(config_dir: Path) -> OncallConfig:
    """Read oncall.yaml and escalation.yaml; ConfigError naming file:line:field on any problem."""
    from watchfloor.errors import ConfigError

    oncall = load_yaml_model(config_dir / "oncall.yaml", OncallFile)
    escalation = load_yaml_model(config_dir / "escalation.yaml", EscalationFile)
    problems = _cross_check(oncall, escalation, config_dir)
    if problems:
        raise ConfigError("\n".join(problems))
    return OncallConfig(schedules=oncall.schedules, people=oncall.people, escalation=escalation)


@dataclass(frozen=True)
class Pager:
    """What paging needs from the process that pages: the on-call configuration (who is on
    call, contacts, escalation) and the settings its signed acknowledge and resolve links are
    made with (secret key, public URL). Built by ``Runtime.pager``."""

    config: OncallConfig
    settings: Settings
