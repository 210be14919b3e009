"""Building blocks of the scenario schema: sections that forbid unknown keys and parameters
that carry their unit, allowed range and source.

Every behavioural parameter is declared with :func:`param`, which records in the JSON schema
(`json_schema_extra`) the ``unit`` and the ``source`` (a paper or statistic) or the word
``assumption``. The config reference in ``docs/config_reference.md`` is generated from these.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    """A config section: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


def param(
    default: Any,
    *,
    unit: str,
    source: str,
    description: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
) -> Any:
    """Declare a parameter with its unit, allowed range and source (or ``"assumption"``)."""
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
    )
