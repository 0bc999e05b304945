"""One dialogue from its plan to its record (``Episodes.run``) or to a scored trial (``Episodes.trial``):
the API the generation pipeline and the SQL benchmark both call."""

from .episodes import Episodes
from .outcome import SUCCESS_CHECKS, DialogueOutcome, Prior, TrialResult
from .settings import EpisodeSettings

__all__ = ["SUCCESS_CHECKS", "DialogueOutcome", "EpisodeSettings", "Episodes", "Prior", "TrialResult"]
