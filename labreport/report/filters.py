"""Jinja filters that format numbers for prose: the templates' only way to show a number.

Each takes the raw value from the facts and returns text; a missing or
non-finite value reads "n/a", never "nan".  Precision follows what a reader
needs: accuracies as 86.4 %, ratios as 15×, tiny shares as powers of ten.
"""

from __future__ import annotations

import math

from markupsafe import Markup

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
NA = "n/a"
NBSP = "\u00a0"
HUGE = 1e6  # from here a float is printed as a power of ten


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def num(value, digits: int = 4) -> str:
    """Fixed decimals (the per-epoch table's precision by default); integers with thousands separators."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if _finite(value) and abs(value) >= HUGE:
        # A diverging loss of 9.07e35 printed with four decimals is 40 digits of noise.
        return power_of_ten(value, 3)
    return f"{value:.{digits}f}" if _finite(value) else NA


def count(value) -> str:
    return f"{int(value):,}" if _finite(value) else NA


def pct(value, digits: int = 1) -> str:
    """A share as a percentage: 0.8643 → '86.4 %'; an exact 0 or 1 without decimals."""
    if not _finite(value):
        return NA
    if value in (0, 1):
        return f"{100 * value:.0f}{NBSP}%"
    text = f"{100 * value:.{digits}f}"
    # 0.99996 must not print as 100.0 % beside a table that says 0.9999x: add digits until it differs.
    while float(text) in (0.0, 100.0) and digits < 6:
        digits += 1
        text = f"{100 * value:.{digits}f}"
    return f"{text}{NBSP}%"


def points(value, digits: int = 1) -> str:
    """A difference of two accuracies, in percentage points."""
    if not _finite(value):
        return NA
    return f"{100 * abs(value):.{digits}f} percentage points"


def power_of_ten(value, digits: int = 2) -> str:
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    exponent = str(int(exponent)).translate(_SUPERSCRIPT)
    return f"{mantissa}{NBSP}×{NBSP}10{exponent}"


def factor(value) -> str:
    """How many times: 14.93 → '15×', 1.49 → '1.5×', 0.118 → '0.12×', 3.2e-9 → '3.2 × 10⁻⁹ times',
    7.3e15 → '7.3 × 10¹⁵×' (a million and more as a power of ten: nobody reads 7,305,438,813,453,134×)."""
    if not _finite(value):
        return NA
    if value == 0:
        return "0×"
    if value >= 1e6:
        return f"{power_of_ten(value)}×"
    if value >= 10:
        return f"{value:,.0f}×"
    if value >= 0.01:
        return f"{value:.2g}×"
    return f"{power_of_ten(value)} times"


def share(value) -> str:
    """A fraction that may be tiny (a value kept over a lag): 0.35 % or 3.5 × 10⁻⁹ or below 10⁻³⁰."""
    if not _finite(value):
        return NA
    if value < 1e-30:
        return "less than 10⁻³⁰ (nothing)"
    if value >= 0.001:
        return pct(value, 2 if value < 0.1 else 1)
    return power_of_ten(value)


def sci(value) -> str:
    if not _finite(value):
        return NA
    return power_of_ten(value) if value != 0 else "0"


def g(value) -> str:
    """A setting as the user wrote it: 0.001, 3, 1e-05."""
    if isinstance(value, bool) or value is None:
        return NA if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:g}" if _finite(value) else NA


def secs(value) -> str:
    return f"{value:.2f}{NBSP}s" if _finite(value) else NA


def plural(n, singular: str, plural_form: str | None = None) -> str:
    """'1 epoch', '2 epochs', '0 epochs'."""
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{count(n)} {word}" if _finite(n) else f"{NA} {plural_form or singular + 's'}"


def all_of(n, singular: str, plural_form: str | None = None) -> str:
    """'all 12 epochs', 'both epochs', 'its only epoch': never 'all 1 epoch' (a count that may be 1 or 2)."""
    many = plural_form or singular + "s"
    if not _finite(n):
        return f"all {NA} {many}"
    return {1: f"its only {singular}", 2: f"both {many}"}.get(int(n), f"all {count(n)} {many}")


def in_none_of(n, singular: str, plural_form: str | None = None) -> str:
    """'in none of its 12 epochs', 'in neither of its 2 epochs', 'not in its only epoch'."""
    many = plural_form or singular + "s"
    if not _finite(n):
        return f"in none of its {NA} {many}"
    return {1: f"not in its only {singular}", 2: f"in neither of its 2 {many}"}.get(
        int(n), f"in none of its {count(n)} {many}")


def the_count(n, singular: str, plural_form: str | None = None) -> str:
    """'the 13 epochs', 'the one epoch' (as in 'in the one epoch between its first and last')."""
    if _finite(n) and int(n) == 1:
        return f"the one {singular}"
    return f"the {plural(n, singular, plural_form)}"


def join_num(values, digits: int = 3) -> str:
    return ", ".join(num(v, digits) for v in values or [])


def span(value, digits: int = 3) -> str:
    """A range {"min", "max"} as 'a–b', or one number where both print alike (one value, or equal ones)."""
    if not isinstance(value, dict):
        return NA
    low, high = num(value.get("min"), digits), num(value.get("max"), digits)
    return low if low == high else f"{low}–{high}"


FILTERS = {"span": span, "num": num, "number": num, "count": count, "pct": pct, "percent": pct, "points": points,
           "factor": factor, "share": share, "sci": sci, "g": g, "secs": secs, "plural": plural,
           "join_num": join_num}


def _same_kind(original, text: str):
    """Markup in, Markup out: a macro's HTML (a <sub>, an escaped apostrophe) is not escaped a second time."""
    return Markup(text) if isinstance(original, Markup) else text


def upper_first(text) -> str:
    """Capitalise the first letter only (Jinja's ``capitalize`` lowercases the rest: 'Hochreiter' → 'hochreiter')."""
    stripped = str(text).lstrip()
    return _same_kind(text, stripped[:1].upper() + stripped[1:])


def lower_first(text) -> str:
    stripped = str(text).lstrip()
    return _same_kind(text, stripped[:1].lower() + stripped[1:] if stripped[:2] != stripped[:2].upper() else stripped)


def times(n) -> str:
    """'once', 'twice', '3 times'."""
    if not _finite(n):
        return f"{NA} times"
    return {0: "no times", 1: "once", 2: "twice"}.get(int(n), f"{count(n)} times")


def pvalue(value) -> str:
    """A test's p-value as a reader quotes it: 'p = 0.21', 'p = 0.003', 'p < 0.001'."""
    if not _finite(value):
        return f"p {NA}"
    if value < 0.001:
        return "p < 0.001"
    return f"p = {value:.3f}" if value < 0.01 else f"p = {value:.2f}"


def _pair(value) -> tuple | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(_finite(v) for v in value):
        return tuple(value)
    return None


def pct_interval(value) -> str:
    """An accuracy's interval: '83.2–86.4 %' (the decimals of pct)."""
    pair = _pair(value)
    if pair is None:
        return NA
    return f"{100 * pair[0]:.1f}–{100 * pair[1]:.1f}{NBSP}%"


def points_interval(value) -> str:
    """A difference's interval in signed percentage points: '−0.4 to +3.6 percentage points'."""
    pair = _pair(value)
    if pair is None:
        return NA
    signed = [f"{100 * v:+.1f}".replace("-", "\u2212") for v in pair]
    return f"{signed[0]} to {signed[1]} percentage points"


FILTERS.update({"all_of": all_of, "in_none_of": in_none_of, "the_count": the_count,
                "times": times, "upper_first": upper_first, "lower_first": lower_first,
                "pvalue": pvalue, "pct_interval": pct_interval, "points_interval": points_interval})
