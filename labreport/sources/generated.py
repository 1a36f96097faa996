"""The generated temporal-order task (no file, no download): the loader is labreport/data/generated.py."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..spec_fields import LARGE_RUNS_VARIABLE, Int, OptionalInt, Section, _amount
from .registry import GENERATED_TASK, Source, SpecSizes

# Cells of generated data (sequences x steps) before the data alone needs gigabytes.
MAX_GENERATED_CELLS = (10**9, 10**12)


class GeneratedDataset(Section):
    """A long-time-lag task generated from a seed (no download)."""

    source: Literal["generated"] = "generated"
    task: Literal["temporal_order"] = Field(
        "temporal_order",
        description=(
            "temporal_order: a stream of unimportant tasks with two important ones "
            "(X or Y) far apart; the class is the order XX, XY, YX or YY "
            "(Hochreiter & Schmidhuber 1997, experiment 6a)."
        ),
    )
    n_train: Int = Field(4000, ge=10, description="Training sequences (validation is split from these).")
    n_test: Int = Field(1000, ge=10, description="Test sequences.")
    sequence_length: Int = Field(60, ge=10, description="Tasks per sequence.")
    n_unimportant: Int = Field(6, ge=1, le=50, description="Kinds of unimportant task (distractor symbols).")
    seed: OptionalInt = Field(None, description="Seed of the generator; default: training.seed.")


def sizes(spec) -> SpecSizes:
    vocabulary = spec.n_unimportant + 3  # padding, the unimportant tasks, X and Y (data/generated.py's vocabulary)
    return SpecSizes(spec.sequence_length, vocabulary, spec.n_train, spec.n_test, True)


def limit_problems(spec, large: bool) -> list[str]:
    cells = (spec.n_train + spec.n_test) * spec.sequence_length
    soft, hard = MAX_GENERATED_CELLS
    if cells > hard or (cells > soft and not large):
        raise_hint = "" if cells > hard else f" (raise the limit with {LARGE_RUNS_VARIABLE}=1)"
        return [f"dataset: (n_train + n_test) x sequence_length is {_amount(cells)} cells, more than "
                f"the {(hard if cells > hard else soft):,} allowed{raise_hint}"]
    return []


SOURCE = Source(
    name="generated",
    spec_model=GeneratedDataset,
    kind=GENERATED_TASK,
    load="labreport.data.generated:load",
    sizes=sizes,
    classes=lambda dataset: 4,  # the orders XX, XY, YX, YY
    limit_problems=limit_problems,
    program="generated",
    program_knows_classes=True,
    report_partial="sources/generated.html.j2",
)
