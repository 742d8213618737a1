"""A comparator built from published cohorts, not a randomised control arm, says so (`[metadata.external_comparator]`).

Every comparison that includes such a scenario states, in words generated here, that it is external and
non-randomised, what that can and cannot show, and which assumptions decide the answer: the terminal summary of
`compare` and its report.html print the same sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Sentence = Annotated[str, Field(min_length=1, max_length=1000)]


class ExternalComparator(BaseModel):
    """Where the comparator's figures come from, and the assumptions on which a comparison with it turns."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    cohorts: Sentence = Field(description="the published cohorts its hazards come from, in words")
    deciding_assumptions: list[Sentence] = Field(
        min_length=1, max_length=20, description="the assumptions a comparison with it rests on, most decisive first"
    )


def comparator_notes(names: Sequence[str], comparators: Sequence[ExternalComparator | None]) -> list[str]:
    """Sentences for a comparison: one paragraph per scenario that declares itself an external comparator."""
    notes = []
    for name, comparator in zip(names, comparators):
        if comparator is None:
            continue
        notes.append(
            f"{name} is an external, non-randomised comparator built from {comparator.cohorts}. Its patients were "
            "not randomised against the other scenario's, so a difference between them mixes the treatment's effect "
            "with who was selected, when, and how outcomes were defined. The comparison shows what the published "
            "figures imply under the model's assumptions; it cannot show that one treatment causes the difference. "
            f"The answer rests on: {'; '.join(comparator.deciding_assumptions)}."
        )
    return notes
