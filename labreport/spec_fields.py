"""The spec's building blocks, shared by spec.py and the data sources' own spec models
(labreport/sources/): a section's base model and numbers that refuse yes/no.

Here, not in spec.py, because spec.py builds its dataset union from the sources' models
(labreport/sources/registry.py): a source module imports these, never spec.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict


class _Section(BaseModel):
    # Unknown keys are errors: a typo such as `epoch:` must not silently
    # fall back to the default.
    # allow_inf_nan=False: `.inf` or `.nan` is never a learning rate, norm or bias.
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


Section = _Section


def _not_yes_no(value: Any) -> Any:
    # YAML reads yes/no/on/off/true/false as booleans, and pydantic would
    # take `epochs: yes` as 1 epoch without a word.
    if isinstance(value, bool):
        raise ValueError("must be a number, not a yes/no value")
    return value


# Numbers in the spec: pydantic's int and float, refusing booleans.  The
# optional ones wrap Optional[...] (not Optional[Int]) so that pydantic still
# writes ge/gt bounds into the JSON Schema as minimum/exclusiveMinimum.
Int = Annotated[int, BeforeValidator(_not_yes_no)]
Float = Annotated[float, BeforeValidator(_not_yes_no)]
OptionalInt = Annotated[Optional[int], BeforeValidator(_not_yes_no)]
OptionalFloat = Annotated[Optional[float], BeforeValidator(_not_yes_no)]


def _text_encoding(value: Any) -> Any:
    # codecs.lookup knows rot13, base64 and zlib too: codecs that are not text encodings.
    import codecs

    if isinstance(value, str):
        try:
            info = codecs.lookup(value)
        except LookupError:
            return value  # an unknown name is reported when the data is read, with the file it was for
        if not getattr(info, "_is_text_encoding", True):
            raise ValueError("is a codec, not a text encoding; use e.g. utf-8, latin-1 or cp1252")
    return value


TextEncoding = Annotated[str, BeforeValidator(_text_encoding)]

PADDING_HELP = (
    "pre: padding zeros before the text, as keras.utils.pad_sequences (the recurrent layer ends on the last "
    "words); post: after it (read through, with no mask)."
)
TRUNCATING_HELP = "pre: cut a longer text's start (keep its last words); post: cut its end."


# A real large run sets this variable to raise every spec limit to its hard cap (spec.SPEC_LIMITS, and a
# source's own limits).
LARGE_RUNS_VARIABLE = "LABREPORT_ALLOW_LARGE_RUNS"


def _amount(number: int) -> str:
    """A number as a person reads it; one of 400 digits as '10^399-ish', not 400 digits."""
    if abs(number) < 10**15:
        return f"{number:,}"
    return f"about 10^{len(str(abs(number))) - 1}"
