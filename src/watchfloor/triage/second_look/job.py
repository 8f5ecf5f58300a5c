"""The worker's ``second-look`` job as the worker holds it: the second stage loaded once per
process and warmed up, the job off when settings say so, and growing waits while the model fails
on everything it is given. What a round does is in flows.py; what it decides, in
decision.py (pure).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from watchfloor.runtime import Runtime
from watchfloor.triage.second_look.flows import Scorer, SecondStageFailed, look_pending

log = logging.getLogger("watchfloor.triage.second_look.decision")

# A second stage that fails on every report is tried again after 10 s, 20 s… at most 5 min.
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(minutes=5)
# What the job gives a freshly loaded model once, so it loads what it loads on first use.
WARM_UP = "Warming up: this text is not a report."


class SecondLookJob:
    """The worker's ``second-look`` job. Loads the second stage on its first run (once per
    process) and uses it once, so its first reports do not wait for it to warm up; without one
    it does nothing and says so once. While the model fails on everything
    it is given, the job waits 10 s, 20 s… (at most 5 min) before trying again, and the worker's
    other jobs run as usual."""

    def __init__(self, loader: Callable[[], Scorer | None] | None = None) -> None:
        self._loader = loader
        self._loaded = False
        self._stage: Scorer | None = None
        self._said_off = False
        self._failures = 0
        self._retry_at: datetime | None = None

    def __call__(self, runtime: Runtime) -> int:
        if not runtime.settings.second_look:
            if not self._said_off:
                log.info("second look is off (WATCHFLOOR_SECOND_LOOK=false); the job does nothing")
                self._said_off = True
            return 0
        stage = self.stage()
        now = runtime.clock.now()
        if stage is None or (self._retry_at is not None and now < self._retry_at):
            return 0
        try:
            done = look_pending(runtime.sessions, runtime.clock, stage=stage, config=runtime.config)
        except SecondStageFailed as exc:
            wait = min(FIRST_RETRY * 2**self._failures, LONGEST_RETRY)
            self._failures += 1
            self._retry_at = now + wait
            log.error(
                "second stage failed on every report it was given (%s); trying again in %d s",
                exc,
                wait.total_seconds(),
            )
            return 0
        self._failures, self._retry_at = 0, None
        return done

    def stage(self) -> Scorer | None:
        """The second stage, loaded on first use; None (said once in the log) without one."""
        if not self._loaded:
            self._loaded = True
            try:
                self._stage = self._load()
            except Exception:  # a broken model must not stop the worker
                log.exception("cannot load the second stage; the second-look job does nothing")
                return None
            if self._stage is None:
                log.warning(
                    "no second-stage model is installed; the second-look job does nothing "
                    "(reports keep the first stage's triage)"
                )
                return None
            try:
                # A model may load its embedder on first use, which takes seconds: pay that now,
                # not while the first reports wait for their final priority.
                self._stage.scores([WARM_UP])
            except Exception:  # the rounds will try again, with waits
                log.warning("the second stage failed its first use", exc_info=True)
            if not getattr(self._stage, "blend_thresholds", None):
                log.warning(
                    "second stage %s has no blend thresholds (an older artifact): the second look "
                    "places only reports whose first stage had no classifier; rebuild it with "
                    "`make second-stage`",
                    self._stage.name,
                )
            log.info("second look uses %s", self._stage.name)
        return self._stage

    def _load(self) -> Scorer | None:
        if self._loader is not None:
            return self._loader()
        from watchfloor.triage.classifiers.second_stage import (
            load_second_stage,  # numpy and the embedder
        )

        return load_second_stage()
