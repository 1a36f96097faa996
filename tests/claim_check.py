"""A claim check for rendered reports, independent of the code that writes the words.

``check_report(html, record)`` reads the text of a rendered report.html, finds
every sentence that claims something about the run (a curve's course, the best
epoch, overfitting, the end state, the test outcome, the baseline comparison,
the epoch the model left chance, any "<value> at epoch <n>") and checks it
against the raw run record (run.json) with its own plain code.  It never
imports labreport.facts: the definitions below are this module's own reading
of the words, written from the sentences, not from the code that chose them.

Definitions (what a careful reader holding the per-epoch table would accept):

* A printed loss has 4 decimals and must be the raw value rounded to them
  (within half a unit of the last printed digit); a printed accuracy is a
  percentage with at least 2 decimals ("100 %" and "0 %" only for exactly 1
  and 0); "n/a" or "NaN" only for a missing or non-finite value.
* A step from one epoch to the next rises, falls or is level when the two
  values rounded to 4 decimals (the table's precision) compare so.
* "rose from X at epoch a to Y at epoch b": every step from a to b rises
  (likewise "fell"); "stayed at X from epoch a to epoch b": every step level.
* A stretch of rising is a maximal run of rising steps; since a level step
  may or may not be read as breaking a stretch, a count between "levels
  ignored" and "levels break stretches" is accepted.
* Direction changes are counted among the non-level steps (a rise, then
  any level steps, then a fall is one change); the chances to change are the
  epochs strictly between the first and the last (n - 2).
* Chance is the better of guessing (1/K classes) and always answering the
  training split's most frequent class (a tie: the best of the tied classes),
  scored on the test set; a test accuracy is "at chance" unless a one-sided
  exact binomial test at 5 % rejects guessing at that level, and "above"
  otherwise.  "Learned the task" needs at least half of the way from chance
  to 100 %; "learned part of the task" needs above chance and less than 90 %
  of the way.  A stated 95 % interval is Wilson's.
* Two test accuracies are told apart when a two-sided test at 5 % says so:
  McNemar's exact test where the record keeps both models' per-example
  predictions and the test labels, else the unpaired two-proportion z-test.

* A diverged run's curve ends in non-finite values; it is read up to its last
  finite epoch, and "too few finite values to describe" needs fewer than two.
* "The loss exploded at epoch E, batch B": that batch is the first of run.json's batch losses that is non-finite or
  more than 100 times the first batch's (the sentence names its factor; this module reads "exploded" without one
  as 100); "diverged in epoch E" names that epoch where the record keeps its batch losses, else the epoch it
  stopped in.  "Stayed between A and B (median M) over the next N batches": the finite batch losses after it and
  before the stop.  A model that diverged has no time per epoch to compare with another's.
* Clipping: a clipped SGD step is at most learning rate × clipnorm, an Adam/RMSprop step about the learning rate
  per weight; "(training.clipnorm: C)" is advice only where that step is at most 1 (the initial weights' order),
  and "far too high ... so clipping cannot help" only where it is more.
* "The training loss jumped up" names rises of the epoch's mean training loss; where run.json keeps 4 or
  more batch losses in both epochs, a rise counts only beyond twice the standard error of a difference of two
  epoch means at the earlier epoch's batch-loss standard deviation (mini-batch scatter is no jump).
* A suggested setting ("(training.clipnorm: 1)") must differ from the spec's,
  and the value after "instead of" must be the spec's.

Figures: each <img>'s alternative text is read as a block of prose (a screen reader reads it from the
tagged PDF), and so is each caption (<figcaption>).  Their own forms: "<curve> goes from X at epoch 1 to Y
at epoch N" (N the curve's last epoch; "at batch" for the per-batch curves), "the <model>'s <curve> ends at
X", the marked epochs, the uniform guess's ln C, the smoothing weight, the gradient at the first and last
step, the gate unit's averages, the class counts per split, the lengths before padding, the confusion
matrices' diagonals and answers per class, and the models, unit and validation split a caption names.

Program listings (<pre>, and the numbered <div class="program">) are code, not prose, and are not read.  A sentence
that names an epoch ("epoch 7") or a curve together with a number, but matches
no form below, fails as "unrecognised": a new sentence form has to be taught
here before it can ship unchecked.

Every failing claim is collected; ``check_report`` raises one AssertionError
naming each failing sentence and its numbers, and it also raises when it found
no claim at all (so a changed sentence form cannot make it silently check
nothing).  It returns a Counter of the claims it checked, by kind.
"""

from __future__ import annotations

import html as html_lib
import math
import re
import statistics
from collections import Counter
from html.parser import HTMLParser

# --------------------------------------------------------------------------- text

BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "td", "th", "div", "section",
              "figcaption", "figure", "pre", "table", "caption", "br", "dt", "dd", "blockquote", "header",
              "footer", "article", "main"}
SKIP_TAGS = {"style", "script", "head", "title"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def normalise(text: str) -> str:
    """Un-escape entities, turn every kind of space (the non-breaking ones before % and ×) into one space."""
    text = html_lib.unescape(text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    text = text.replace("\u00ad", "")  # soft hyphens
    return re.sub(r"\s+", " ", text).strip()


class _Blocks(HTMLParser):
    """The text of each block element (paragraph, heading, cell ...), in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._tag = "body"
        self._parts: list[str] = []
        self._skip = 0
        self._in_listing = 0  # <div>s open inside <div class="program"> (a program listing, read as <pre>), itself included

    def _flush(self):
        text = normalise("".join(self._parts))
        if text:
            self.blocks.append(("pre" if self._in_listing else self._tag, text))
        self._parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "img" and not self._skip:
            # A figure's alternative text: what a screen reader reads from the tagged PDF, so a block of prose
            # like any other (tag "img"), checked against run.json like every sentence.
            self._flush()
            alt = normalise(dict(attrs).get("alt") or "")
            if alt:
                self.blocks.append(("img", alt))
        if tag == "div" and self._in_listing:
            self._in_listing += 1
        elif tag == "div" and "program" in (dict(attrs).get("class") or "").split():
            self._flush()
            self._in_listing = 1
        if tag in SKIP_TAGS:
            self._skip += 1
        elif tag in BLOCK_TAGS:
            self._flush()
            self._tag = tag

    def handle_endtag(self, tag):
        if tag == "div" and self._in_listing:
            self._in_listing -= 1
            if not self._in_listing:
                self._flush()
        if tag in SKIP_TAGS:
            self._skip = max(self._skip - 1, 0)
        elif tag in BLOCK_TAGS:
            self._flush()
            self._tag = "body"

    def handle_data(self, data):
        if not self._skip:
            self._parts.append(data)


def report_blocks(html: str) -> list[tuple[str, str]]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.blocks


def report_text(html: str) -> str:
    """The report's visible text: one block per line, entities un-escaped, spaces normalised."""
    return "\n".join(text for _, text in report_blocks(html))


def section_text(html: str, heading: str) -> str:
    """The text under the first heading that starts with (or, failing that, contains) ``heading``,
    up to the next heading of the same or a higher level."""
    blocks = report_blocks(html)
    start = next((i for i, (tag, text) in enumerate(blocks) if tag in HEADINGS and text.startswith(heading)), None)
    if start is None:
        start = next((i for i, (tag, text) in enumerate(blocks) if tag in HEADINGS and heading in text), None)
    if start is None:
        raise AssertionError(f"no heading {heading!r} in the report")
    level = int(blocks[start][0][1])
    lines = [blocks[start][1]]
    for tag, text in blocks[start + 1:]:
        if tag in HEADINGS and int(tag[1]) <= level:
            break
        lines.append(text)
    return "\n".join(lines) + "\n"


def sentences(text: str) -> list[str]:
    """Sentences of every line: split after . ! ? followed by a space and a capital (decimals never are)."""
    out = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"(])", line) if s.strip())
    return out


# --------------------------------------------------------------------------- numbers

V = r"(?:-?\d+(?:\.\d+)? × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|n/a|NaN|nan|inf|-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?: %)?|-?\d+(?:\.\d+)?(?: %)?)"
N = r"(\d{1,3}(?:,\d{3})+|\d+)"
CURVE_WORDS = {"training loss": "loss", "validation loss": "val_loss",
               "training accuracy": "accuracy", "validation accuracy": "val_accuracy"}
CURVE = r"(training loss|validation loss|training accuracy|validation accuracy)"
CELL_WORDS = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "simple_rnn"}
MODEL = r"((?:bidirectional )?(?:LSTM|GRU|SimpleRNN|[\w-]+))"
TIMES = r"(no times|once|twice|\d[\d,]* times)"


def finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def as_float(value):
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return float(value) if finite(value) else None


def integer(text: str) -> int:
    words = {"no": 0, "once": 1, "twice": 2}
    return words[text] if text in words else int(text.replace(",", ""))


def times(text: str) -> int:
    text = text.strip()
    if text == "no times":
        return 0
    if text in ("once", "twice"):
        return integer(text)
    return int(text.split()[0].replace(",", ""))


def _decimals(number: str) -> int:
    return len(number.split(".")[1]) if "." in number else 0


def _factor_value(printed: str) -> float:
    """A factor as the `factor` filter prints it: '1,234' or '7.3 × 10¹⁵' (before its ×)."""
    power = re.fullmatch(r"(\d+(?:\.\d+)?) × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", printed.strip())
    if power:
        return float(power.group(1)) * 10 ** int(power.group(2).translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
    return float(printed.replace(",", ""))


def printed_matches(printed: str, value, kind: str) -> bool:
    """Is ``printed`` the raw ``value`` written at its precision?  kind: 'loss', 'accuracy' or 'share' (any %)."""
    printed = printed.strip()
    if printed in ("n/a", "NaN", "nan"):
        return as_float(value) is None
    value = as_float(value)
    if value is None:
        return False
    power = re.fullmatch(r"(-?\d+(?:\.\d+)?) × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", printed)
    if power:  # 9.07 × 10³⁵: the value to the mantissa's precision
        exponent = int(power.group(2).translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
        return abs(float(power.group(1)) * 10 ** exponent - value) <= 0.5 * 10 ** (exponent - _decimals(power.group(1))) * 1.0001
    is_percent = printed.endswith("%")
    number = printed.rstrip("%").strip().replace(",", "")
    d = _decimals(number)
    if kind == "loss":
        if is_percent or d < 4:
            return False
        return abs(float(number) - value) <= 0.5 * 10 ** -d + 1e-12
    if not is_percent:
        return False
    if kind == "accuracy" and d < 2 and not (d == 0 and value in (0.0, 1.0)):
        return False
    return abs(float(number) - 100 * value) <= 0.5 * 10 ** -d + 1e-9


def binomial_critical(n: int, p: float | None) -> float | None:
    """The lowest share k/n with P(X >= k) < 0.05 for X ~ Binomial(n, p) (None: no k reaches it)."""
    if not n or p is None:
        return None
    terms = [math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
             + (k * math.log(p) if p > 0 else (0 if k == 0 else -math.inf))
             + ((n - k) * math.log(1 - p) if p < 1 else (0 if k == n else -math.inf)) for k in range(n + 1)]
    tail = 0.0
    for k in range(n, -1, -1):
        tail += math.exp(terms[k]) if terms[k] > -math.inf else 0.0
        if tail >= 0.05:
            return (k + 1) / n if k < n else None
    return None


def wilson(share: float, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def pct_close(printed: str, value: float) -> bool:
    """A share printed as a percentage (any decimals) is ``value`` rounded."""
    return printed_matches(printed, value, "share")


def points_close(printed: str, value: float) -> bool:
    """'12.3 percentage points' is |value| in points, rounded."""
    number = printed.split()[0]
    return abs(float(number) - 100 * abs(value)) <= 0.5 * 10 ** -_decimals(number) + 1e-9


def robust_scatter(values: list) -> float | None:
    """A curve's epoch-to-epoch scatter as the reports define it: 1.4826 × the median |second difference| / √6."""
    if len(values) < 6 or any(v is None for v in values):
        return None
    second = sorted(abs(values[i + 1] - 2 * values[i] + values[i - 1]) for i in range(1, len(values) - 1))
    mid = len(second) // 2
    median = second[mid] if len(second) % 2 else (second[mid - 1] + second[mid]) / 2
    return 1.4826 * median / math.sqrt(6)


def loss_close(printed: str, value) -> bool:
    return printed_matches(printed, value, "loss")


def r4(value: float) -> float:
    return float(f"{value:.4f}")


def step(before: float, after: float) -> int:
    a, b = r4(before), r4(after)
    return 0 if a == b else (1 if b > a else -1)


EXPLODED = 100  # this module's reading of "exploded" where a sentence names no factor (see the docstring)


def exploded_at(run: dict, factor: float = EXPLODED):
    """(epoch, batch, index) of the first batch loss of ``run`` (a model's entry) that is non-finite or more than
    ``factor`` × the first batch's; None where the run did not diverge or keeps no batch losses."""
    batches = run.get("batch_history") or {}
    losses = [as_float(v) for v in batches.get("loss") or []]
    epochs, numbers = batches.get("epoch") or [], batches.get("batch") or []
    if (run.get("stopped") or {}).get("reason") != "nan_loss" or not losses or not len(losses) == len(epochs) == len(numbers):
        return None
    for index, value in enumerate(losses):
        if value is None or (losses[0] is not None and value > factor * losses[0]):
            return epochs[index], numbers[index], index
    return None


def diverged_epoch(run: dict):
    """The epoch a diverged model's loss exploded in, where its batch losses show it, else the one it stopped in."""
    where = exploded_at(run)
    return where[0] if where else (run.get("stopped") or {}).get("epoch")


# --------------------------------------------------------------------------- the record


def as_format_1(record: dict) -> dict:
    """run.json in format 1's shape, the one this checker reads: the main model's numbers at the top level,
    the baselines under "baselines".  A format-2 record (``models``: the main model first, then the baselines;
    the run's own timings in ``timing``) is read in that shape; a format-1 record is returned as it is."""
    if "models" not in record:
        return record
    main, *others = record["models"]
    view = {key: value for key, value in record.items() if key != "models"}
    view.update({key: value for key, value in main.items() if key not in ("role", "cell", "timing")})
    view["timing"] = {**(main.get("timing") or {}), **(record.get("timing") or {})}
    view["baselines"] = [model for model in others if model.get("role") != "variant"]
    view["variants"] = [model for model in others if model.get("role") == "variant"]
    return view


class Record:
    """The raw numbers of run.json that the sentences speak about."""

    def __init__(self, record: dict):
        record = as_format_1(record)
        self.raw = record
        history = record.get("history") or {}
        self.history = {name: [as_float(v) for v in (history.get(name) or [])] for name in CURVE_WORDS.values()}
        self.n_epochs = len(self.history["loss"])
        self.main_cell = (((record.get("spec") or {}).get("model") or {}).get("recurrent") or [{}])[0].get("cell")
        test = record.get("test") or {}
        self.test_accuracy = as_float(test.get("accuracy"))
        self.test_loss = as_float(test.get("loss"))
        self.stopped = record.get("stopped") or {}
        dataset = record.get("dataset") or {}
        classes = dataset.get("class_names") or []
        counts = (dataset.get("class_counts") or {}).get("test") or {}
        train = (dataset.get("class_counts") or {}).get("train") or {}
        self.n_test = sum(counts.values()) or (dataset.get("sizes") or {}).get("test") or 0
        self.n_validation = (dataset.get("sizes") or {}).get("validation") or 0
        self.uniform = 1 / len(classes) if classes else None
        top = max(train.values()) if train else None
        self.majority_classes = [name for name, count in train.items() if count == top] if top else []
        self.majority_class = self.majority_classes[0] if len(self.majority_classes) == 1 else None
        total = sum(counts.values())
        self.majority_share = (max(counts.get(c, 0) for c in self.majority_classes) / total
                               if self.majority_classes and total else None)
        levels = [v for v in (self.uniform, self.majority_share) if v is not None]
        self.floor = max(levels) if levels else None
        self.critical = binomial_critical(self.n_test, self.floor)
        self.margin = self.critical - self.floor if self.critical is not None else 0.0
        # The validation split's own chance level: the training majority's share of the validation labels.
        validation = (dataset.get("class_counts") or {}).get("validation") or {}
        v_total = sum(validation.values())
        v_levels = [v for v in (self.uniform, max(validation.get(c, 0) for c in self.majority_classes) / v_total
                                if self.majority_classes and v_total else None) if v is not None]
        self.validation_floor = max(v_levels) if v_total and v_levels else self.floor
        self.validation_critical = binomial_critical(self.n_validation, self.validation_floor)
        self.baselines = {b.get("cell"): b for b in record.get("baselines") or []}
        self.variants = record.get("variants") or []  # the main model's cell with settings changed
        self.test_labels = dataset.get("test_labels")

    def baseline_accuracy(self, cell):
        base = self.baselines.get(cell) or {}
        return as_float((base.get("test") or {}).get("accuracy"))

    # Judgements, in this module's own terms (see the module docstring).
    def at_chance(self, accuracy) -> bool:
        return (accuracy is not None and self.floor is not None
                and (self.critical is None or round(accuracy * self.n_test) < round(self.critical * self.n_test)))

    def clearly_above_chance(self, accuracy) -> bool:
        return accuracy is not None and self.floor is not None and not self.at_chance(accuracy)

    def share_of_way(self, accuracy) -> float:
        return (accuracy - self.floor) / (1 - self.floor) if self.floor is not None and self.floor < 1 else 0.0

    def diverged(self) -> bool:
        return self.stopped.get("reason") == "nan_loss" or self.test_accuracy is None

    def apart(self, a: float, b: float, cell, other: dict | None = None) -> bool:
        """Whether the two test accuracies (main a, baseline b; ``other``: the compared model's entry where it
        is not the baseline of that cell) are told apart at 5 %."""
        labels = self.test_labels
        main_predictions = (self.raw.get("test") or {}).get("predictions")
        base_predictions = (((other or self.baselines.get(cell)) or {}).get("test") or {}).get("predictions")
        if labels and main_predictions and base_predictions and len(labels) == len(main_predictions) == len(base_predictions):
            b_only = sum(1 for y, p, q in zip(labels, main_predictions, base_predictions) if p == y and q != y)
            c_only = sum(1 for y, p, q in zip(labels, main_predictions, base_predictions) if q == y and p != y)
            if b_only + c_only == 0:
                return False
            low = min(b_only, c_only)
            p_value = min(1.0, 2 * sum(math.comb(b_only + c_only, i) for i in range(low + 1)) / 2 ** (b_only + c_only))
            return p_value < 0.05
        n = self.n_test or 1
        pooled = (a + b) / 2
        se = math.sqrt(pooled * (1 - pooled) * 2 / n)
        return se > 0 and math.erfc(abs(a - b) / se / math.sqrt(2)) < 0.05 if se > 0 else a != b

    def curve(self, name: str) -> list:
        return self.history[name]

    def value(self, name: str, epoch: int):
        values = self.history[name]
        return values[epoch - 1] if 1 <= epoch <= len(values) else None


def kind_of(curve: str) -> str:
    return "accuracy" if curve.endswith("accuracy") else "loss"


def finite_prefix(values: list) -> list:
    """The values up to the last finite one: a diverged run's curve ends in non-finite values."""
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return values[:end]


def falling_end_problems(c: list, curve: str, fall: str, k: int) -> list[str]:
    """What is wrong with 'the <curve> fell by <fall> over the last <k> epochs and was lowest at the last one'."""
    problems = []
    if r4(c[-1]) != min(r4(v) for v in c):
        problems.append(f"the last {curve} {r4(c[-1])} is not the lowest ({min(r4(v) for v in c)})")
    if step(c[-2], c[-1]) >= 0:
        problems.append(f"the {curve} did not fall in the last epoch ({r4(c[-2])} to {r4(c[-1])})")
    window = c[-k:]
    if not pct_close(fall, (window[0] - window[-1]) / window[0]):
        problems.append(f"fall {fall} over the last {k} epochs is not {(window[0] - window[-1]) / window[0]:.4%}")
    return problems


def curve_steps(values: list) -> list[int]:
    return [step(a, b) for a, b in zip(values, values[1:])]


def best_printed(values: list, curve: str) -> float:
    rounded = [r4(v) for v in values if v is not None]
    return max(rounded) if kind_of(curve) == "accuracy" else min(rounded)


def direction_changes(values: list) -> int:
    moving = [s for s in curve_steps(values) if s != 0]
    return sum(1 for a, b in zip(moving, moving[1:]) if a != b)


def stretches(values: list, direction: int) -> tuple[int, int]:
    """(count with level steps ignored, count with level steps breaking a stretch)."""
    steps = curve_steps(values)
    moving = [s for s in steps if s != 0]
    ignored = sum(1 for i, s in enumerate(moving) if s == direction and (i == 0 or moving[i - 1] != direction))
    broken = sum(1 for i, s in enumerate(steps) if s == direction and (i == 0 or steps[i - 1] != direction))
    return ignored, broken


# --------------------------------------------------------------------------- the checker


class Checker:
    def __init__(self, record: dict):
        self.r = Record(record)
        self.counts: Counter = Counter()
        self.failures: list[str] = []
        self.subject: str | None = None  # the curve the last "The <curve> ..." sentence was about
        self.unrecognised: list[str] = []  # sentences that read like a claim about the curves but matched no form

    # -- bookkeeping
    def claim(self, kind: str, sentence: str, ok: bool, detail: str = "") -> bool:
        self.counts[kind] += 1
        if not ok:
            self.failures.append(f"[{kind}] {sentence!r}: {detail}")
        return ok

    def value_ok(self, printed: str, curve: str, epoch: int) -> bool:
        return printed_matches(printed, self.r.value(curve, epoch), kind_of(curve))

    def shown(self, curve: str, epoch: int) -> str:
        return f"{curve}[epoch {epoch}] = {self.r.value(curve, epoch)!r}"

    @staticmethod
    def looks_like_a_claim(s: str) -> bool:
        """A sentence that names an epoch, or a curve with a number, is a claim this checker must understand."""
        s = re.sub(r"\b(?:Figures?|Tables?|sections?) \d+[a-z]?\b", "", s)
        s = re.sub(r"--[a-z-]+ \S+", "", s)  # a command-line option as typed ("--epochs 1"), not a claim
        return bool(re.search(r"\bepochs? \d", s) or (re.search(CURVE, s, flags=re.IGNORECASE) and re.search(r"\d", s)))

    # -- the sentences
    def check(self, sentence: str) -> None:
        before = sum(self.counts.values())
        subject = re.match(r"The " + CURVE + r"\b", sentence)
        for method in (self.trend_segments, self.trend_level, self.trend_summary, self.trend_unavailable, self.non_finite,
                       self.noise, self.best_epoch, self.overfitting, self.end_state, self.spikes,
                       self.outcome, self.evaluated, self.learning_start, self.comparison, self.speed, self.epoch_times,
                       self.explosion, self.timing_not_comparable, self.learning_rate_cause,
                       self.aim, self.problems, self.gap, self.training_ran, self.went_from, self.outcome_words,
                       self.settings, self.forget_gate, self.stopping, self.rose_while_falling, self.stop_at, self.batch_noise,
                       self.early_stopping, self.no_validation, self.value_at_epoch, self.same_settings,
                       self.flat, self.baseline_overfitting, self.uniform_guess, self.predictor, self.reference,
                       self.few_updates, self.fit_time, self.memorised, self.stopping_would_not_help, self.validation_noise,
                       self.unit_claims, self.final_cell_claims, self.gradient_claims, self.smoothing_claims, self.variant_claims,
                       self.training_lengths, self.favour, self.figure_series, self.figure_model_ends, self.figure_marks, self.figure_uniform,
                       self.figure_smoothing, self.figure_batches, self.figure_gradients, self.figure_gates,
                       self.figure_dataset, self.figure_confusion, self.figure_captions):
            method(sentence)
        if sum(self.counts.values()) == before and self.looks_like_a_claim(sentence):
            self.unrecognised.append(sentence)
        if subject:
            self.subject = CURVE_WORDS[subject.group(1)]

    def check_curves(self, sentence: str) -> None:
        """Only the claims about the loss curves' course (a forecast's report says them with the same words)."""
        subject = re.match(r"The " + CURVE + r"\b", sentence)
        for method in (self.trend_segments, self.trend_level, self.trend_summary, self.trend_unavailable,
                       self.non_finite, self.noise, self.overfitting, self.end_state, self.validation_noise):
            method(sentence)
        if subject:
            self.subject = CURVE_WORDS[subject.group(1)]

    def same_settings(self, s: str) -> None:
        """A sentence that sets the models side by side "with the same data ..." names every setting that differed:
        an LSTM's chrono or non-default forget-gate initialisation, which a baseline of another cell cannot have."""
        if not re.search(r"same data(, embedding|, units| and settings)|with the same settings|Both were trained with"
                         r"|The cells are not all that differs|besides the cell, only", s):
            return
        layers = ((self.r.raw.get("spec") or {}).get("model") or {}).get("recurrent") or []
        other_cells = [cell for cell in self.r.baselines if cell != "lstm"]
        if not other_cells:
            return
        lstm = [layer for layer in layers if layer.get("cell") == "lstm"]
        chrono = any(layer.get("forget_bias") == "chrono" for layer in lstm)
        custom = [layer.get("forget_bias") for layer in lstm if layer.get("forget_bias") not in ("chrono", 1.0, None)]
        problems = []
        if chrono and "chrono" not in s:
            problems.append("the LSTM started from chrono initialisation, which the baseline did not, and the sentence "
                            "does not say so")
        if not chrono and "chrono" in s:
            problems.append("no layer used chrono initialisation")
        stated = [float(v) for v in re.findall(r"forget-gate biases started at (-?\d+(?:\.\d+)?)", s)]
        if sorted(stated) != sorted(float(v) for v in custom):
            problems.append(f"the LSTM's forget-gate biases started at {custom}, the sentence says {stated}")
        self.claim("same settings", s, not problems, "; ".join(problems))

    def favour(self, s: str) -> None:
        """'the difference, D in the X's favour': X is the model with the higher of the two accuracies the sentence
        sets side by side ('A scored P against the B's Q', 'It reached test accuracy P against the B's Q')."""
        f = re.search(r"the difference, " + V + r" percentage points in the ([\w' -]+?)'s favour", s)
        if not f:
            return
        m = (re.search(r"The " + MODEL + r" baseline scored (" + V + r") against the " + MODEL + r"'s (" + V + r")", s)
             or re.search(r"It reached test accuracy (" + V + r") against the " + MODEL + r"'s (" + V + r")", s))
        if not m:
            self.claim("favour", s, False, "no two accuracies to compare")
            return
        if m.re.pattern.startswith("The"):
            first, first_value, second, second_value = m.group(1), m.group(2), m.group(3), m.group(4)
        else:
            first, first_value, second, second_value = "variant", m.group(1), m.group(2), m.group(3)
        def share(printed: str) -> float:
            return float(printed.replace(" %", "").replace(",", "")) / (100 if "%" in printed else 1)
        higher = first if share(first_value) > share(second_value) else second
        self.claim("favour", s, f.group(1) == higher, f"{higher} has the higher accuracy")

    def _epochs_of(self, model: dict | None) -> int | None:
        return len(((model or {}).get("history") or {}).get("loss") or []) if model else None

    def training_lengths(self, s: str) -> None:
        """A sentence setting two models side by side says "the same ... epochs" only when both trained as many
        epochs, and a stated count ("under which the LSTM trained 6 epochs and the SimpleRNN 4") is each one's."""
        r = self.r
        # The pseudocode's "repeat with <the variant's settings>, everything else as above: ..." is a variant's too.
        if not re.search(r"same data|trained again with|everything else as above|as stated above", s):
            return
        variant_sentence = "trained again with" in s or "everything else as above" in s
        named = [self._cell(c) for c in re.findall(r"\b(SimpleRNN|GRU)\b", s)]
        current = getattr(self, "current_variant", None)
        others = (([current] if current and "trained again with" in s else list(r.variants)) if variant_sentence
                  else [r.baselines.get(cell) for cell in named if cell in r.baselines])
        others = [o for o in others if o]
        main_epochs = len(r.curve("loss"))
        problems = []
        if re.search(r"optimiser, epochs|seed and epochs", s):
            for other in others:
                if self._epochs_of(other) != main_epochs:
                    problems.append(f"says the same epochs, but the main model trained {main_epochs} and the "
                                    f"{other.get('name') or other.get('cell')} {self._epochs_of(other)}")
        m = re.search(r"under which (?:both trained " + N + r" epochs?|the " + MODEL + r" trained " + N +
                      r" epochs? and the (?:variant|" + MODEL + r") " + N + r")|of which the " + MODEL + r" trained " +
                      N + r" and the (?:variant|" + MODEL + r") " + N, s)
        if m:
            if m.group(1):
                said = (integer(m.group(1)), integer(m.group(1)))
            elif m.group(3):
                said = (integer(m.group(3)), integer(m.group(5)))
            else:
                said = (integer(m.group(7)), integer(m.group(9)))
            counts = [self._epochs_of(o) for o in others]
            if said[0] != main_epochs or (counts and said[1] not in counts):
                problems.append(f"says {said[0]} and {said[1]} epochs; the record has {main_epochs} and {counts}")
        if problems or m or re.search(r"optimiser, epochs|seed and epochs", s):
            self.claim("training lengths", s, not problems, "; ".join(problems))

    # "The training loss fell from X at epoch a to Y at epoch b, rose ... and then stayed at Z from epoch c to epoch d."
    SEGMENT = re.compile(r"(?:(rose|fell) from (" + V + r") at epoch (\d+) to (" + V + r") at epoch (\d+)"
                         r"|stayed at (" + V + r") from epoch (\d+) to epoch (\d+))")

    def trend_segments(self, s: str) -> None:
        m = re.match(r"The " + CURVE + r" (?=rose from|fell from|stayed at " + V + r" from epoch)", s)
        if not m:
            return
        curve = CURVE_WORDS[m.group(1)]
        values = self.r.curve(curve)
        previous_end = None
        segments = list(self.SEGMENT.finditer(s))
        for seg in segments:
            if seg.group(1):
                verb, x, a, y, b = seg.group(1), seg.group(2), int(seg.group(3)), seg.group(4), int(seg.group(5))
                want = 1 if verb == "rose" else -1
            else:
                verb, x, a, b = "stayed", seg.group(6), int(seg.group(7)), int(seg.group(8))
                y, want = None, 0
            problems = []
            if not (1 <= a < b <= len(values)):
                problems.append(f"epochs {a}-{b} outside 1-{len(values)}")
            else:
                if not self.value_ok(x, curve, a):
                    problems.append(f"{x} is not {self.shown(curve, a)}")
                if y is not None and not self.value_ok(y, curve, b):
                    problems.append(f"{y} is not {self.shown(curve, b)}")
                if y is None and not all(self.value_ok(x, curve, e) for e in range(a, b + 1)):
                    problems.append(f"not every value of epochs {a}-{b} prints as {x}: "
                                    f"{[values[e - 1] for e in range(a, b + 1)]}")
                if any(v is None for v in values[a - 1:b]):
                    problems.append("a value in between is missing")
                else:
                    bad = [(e + 1, e + 2) for e in range(a - 1, b - 1) if step(values[e], values[e + 1]) != want]
                    if bad:
                        problems.append(f"not every step {verb}: steps {bad} "
                                        f"({[r4(values[i - 1]) for i in range(a, b + 1)]} at 4 decimals)")
            if previous_end is not None and a != previous_end:
                problems.append(f"starts at epoch {a}, but the segment before ended at epoch {previous_end}")
            previous_end = b
            self.claim("trend segment", s, not problems, "; ".join(problems) + f" [{seg.group(0)}]")

    # "The training loss stayed at X in every epoch."
    def trend_level(self, s: str) -> None:
        m = re.match(r"The " + CURVE + r" stayed at (" + V + r") in every epoch\.", s)
        if m:
            curve = CURVE_WORDS[m.group(1)]
            values = self.r.curve(curve)
            ok = bool(values) and all(self.value_ok(m.group(2), curve, e) for e in range(1, len(values) + 1))
            self.claim("trend level", s, ok, f"values {values}")

    # "The validation loss went up and down: it fell overall from X at epoch 1 to Y at epoch N,
    #  with k stretches of rising and m stretches of falling; its best value was Z at epoch e."
    def trend_summary(self, s: str) -> None:
        m = re.match(r"The " + CURVE + r" went up and down: it (rose overall|fell overall|ended where it started) "
                     r"from (" + V + r") at epoch (\d+) to (" + V + r") at epoch (\d+), with " + N +
                     r" stretch(?:es)? of rising and " + N + r" stretch(?:es)? of falling; its best value was (" +
                     V + r") at epoch (\d+)\.", s)
        if not m:
            return
        curve = CURVE_WORDS[m.group(1)]
        values = finite_prefix(self.r.curve(curve))
        overall, x, a, y, b = m.group(2), m.group(3), int(m.group(4)), m.group(5), int(m.group(6))
        rises, falls, z, e = integer(m.group(7)), integer(m.group(8)), m.group(9), int(m.group(10))
        problems = []
        if a != 1 or b != len(values):
            problems.append(f"epochs {a}-{b}, but the curve has epochs 1-{len(values)}")
        if any(v is None for v in values):
            problems.append(f"a value is missing: {values}")
        else:
            if not self.value_ok(x, curve, a):
                problems.append(f"{x} is not {self.shown(curve, a)}")
            if not self.value_ok(y, curve, b):
                problems.append(f"{y} is not {self.shown(curve, b)}")
            direction = step(values[0], values[-1])
            want = {"rose overall": 1, "fell overall": -1, "ended where it started": 0}[overall]
            if direction != want:
                problems.append(f"'{overall}' but first {r4(values[0])}, last {r4(values[-1])}")
            rise_range, fall_range = stretches(values, 1), stretches(values, -1)
            if not (min(rise_range) <= rises <= max(rise_range)):
                problems.append(f"{rises} stretches of rising, counted {rise_range}")
            if not (min(fall_range) <= falls <= max(fall_range)):
                problems.append(f"{falls} stretches of falling, counted {fall_range}")
            if rises == 0 or falls == 0:
                problems.append("'went up and down' needs both rising and falling")
            if not self.value_ok(z, curve, e):
                problems.append(f"best {z} is not {self.shown(curve, e)}")
            elif r4(values[e - 1]) != best_printed(values, curve):
                problems.append(f"epoch {e} is not the best: best printed value {best_printed(values, curve)}")
        self.claim("trend summary", s, not problems, "; ".join(problems))

    def trend_unavailable(self, s: str) -> None:
        """'The training loss has too few finite values to describe[: it was not finite from epoch k on].'"""
        m = re.match(r"With a single epoch the " + CURVE + r" is one point, not a curve: (" + V + r") after epoch 1\.", s)
        if m:
            curve = CURVE_WORDS[m.group(1)]
            values = self.r.curve(curve)
            self.claim("single epoch", s, len(values) == 1 and self.value_ok(m.group(2), curve, 1),
                       f"{curve}: {values}")
        m = re.match(r"The " + CURVE + r" has too few finite values to describe(?:: it was not finite from epoch (\d+) on)?\.", s)
        if m:
            values = self.r.curve(CURVE_WORDS[m.group(1)])
            finite_values = [v for v in values if v is not None]
            problems = []
            if len(finite_values) >= 2:
                problems.append(f"{len(finite_values)} of its {len(values)} values are finite: {values}")
            if m.group(2) and not self._not_finite_from(values, int(m.group(2))):
                problems.append(f"not every value from epoch {m.group(2)} on is non-finite: {values}")
            self.claim("trend unavailable", s, not problems, "; ".join(problems))

    @staticmethod
    def _not_finite_from(values: list, epoch: int) -> bool:
        return 2 <= epoch <= len(values) and values[epoch - 2] is not None and all(v is None for v in values[epoch - 1:])

    # "At epoch 3 it was not finite (training diverged)." after a curve's course.
    def non_finite(self, s: str) -> None:
        m = re.match(r"At epoch (\d+) it was not finite \(training diverged\)\.", s)
        if m:
            if self.subject is None:
                self.claim("trend unavailable", s, False, "no curve named before this sentence")
                return
            values = self.r.curve(self.subject)
            ok = self._not_finite_from(values, int(m.group(1))) and self.r.diverged()
            self.claim("trend unavailable", s, ok, f"{self.subject}: {values}; stopped {self.r.stopped}")

    # "It changed direction 4 times in the 18 epochs between its first and last[: the curve zig-zags ...]."
    # / "... at most once: a smooth curve."
    def noise(self, s: str) -> None:
        named = re.match(r"The " + CURVE + r" changed direction", s)
        s_it = re.sub(r"^The " + CURVE + r" changed", "It changed", s) if named else s
        m = re.match(r"It changed direction " + TIMES + r" in the " + N + r" epochs? between its first and last"
                     r"(: the curve zig-zags)?(, but each turn \(the smaller of the two moves around a change of direction\) was at most (" + V + r" percentage points?), "
                     r"within two standard errors of a share on " + N + r" sequences \((" + V + r" percentage points?) each\))?"
                     r"(, each turn at most (" + V + r") of its (?:(fall|rise) from (" + V + r") to (" + V + r")|range \(("
                     + V + r") to (" + V + r")\)): small turns on its course, not a zig-zag)?",
                     s_it)
        once = re.match(r"It changed direction at most once", s_it)
        short = re.match(r"It changed direction once in the (one|" + N[1:-1] + r") epochs? between its first and last: "
                         r"too few", s_it)
        if not (m or once or short):
            return
        if named:
            self.subject = CURVE_WORDS[named.group(1)]
        if self.subject is None:
            self.claim("direction changes", s, False, "no curve named before this sentence")
            return
        values = finite_prefix(self.r.curve(self.subject))
        if any(v is None for v in values):
            self.claim("direction changes", s, False, f"{self.subject} has missing values: {values}")
            return
        changes, chances = direction_changes(values), max(len(values) - 2, 0)
        if once:
            # "A smooth curve": at most one turn, and room for more than one (SMOOTH_MIN_CHANCES, or no turn at all).
            ok = changes == 0 or (changes == 1 and chances >= 3)
            self.claim("direction changes", s, ok, f"{self.subject} changed direction {changes} times in {chances} chances")
            return
        if short:
            # One chance reads "the one epoch between", not "the 1 epoch between".
            said = 1 if short.group(1) == "one" else integer(short.group(1))
            ok = changes == 1 and chances < 3 and said == chances and (said != 1 or short.group(1) == "one")
            self.claim("direction changes", s, ok, f"{self.subject} changed direction {changes} times in {chances} chances")
            return
        said, said_chances = times(m.group(1)), integer(m.group(2))
        problems = []
        if said != changes:
            problems.append(f"{self.subject} changed direction {changes} times (among its non-level steps)")
        if said_chances != chances:
            problems.append(f"{len(values)} epochs give {chances} chances")
        # A turn: the smaller of the moves on either side of a change of direction (level steps skipped).
        moves = [b - a for a, b in zip(values, values[1:]) if step(a, b) != 0]
        largest = max((min(abs(a), abs(b)) for a, b in zip(moves, moves[1:]) if (a > 0) != (b > 0)), default=0.0)
        spread = max(values) - min(values) if values else 0.0
        if m.group(3) and not (changes >= 2 and changes >= 0.25 * chances):
            problems.append(f"'zig-zags' with {changes} changes in {chances} chances")
        # A zig-zag shows on the figure: a turn of under 5 % of the curve's range is an uptick on its course.
        if m.group(3) and not (spread > 0 and largest >= 0.05 * spread):
            problems.append(f"'zig-zags', but its largest turn {largest:.4f} is under 5 % of its range {spread:.4f}")
        if m.group(8):
            if not (spread > 0 and pct_close(m.group(9), largest / spread)):
                problems.append(f"the largest turn {largest:.4f} is not {m.group(9)} of the range {spread:.4f}")
            if not largest < 0.05 * spread:
                problems.append(f"'not a zig-zag', but its largest turn {largest:.4f} is 5 % of its range or more")
            kind = kind_of(self.subject)
            if m.group(10):
                first, last = values[0], values[-1]
                ends = (r4(first), r4(last)) == ((max(map(r4, values)), min(map(r4, values))) if m.group(10) == "fall"
                                                 else (min(map(r4, values)), max(map(r4, values))))
                if not (ends and printed_matches(m.group(11), first, kind) and printed_matches(m.group(12), last, kind)):
                    problems.append(f"not a {m.group(10)} from its first value {first} to its last {last}")
            elif not (printed_matches(m.group(13), min(values), kind) and printed_matches(m.group(14), max(values), kind)):
                problems.append(f"its range is {min(values)} to {max(values)}")
        if m.group(4):
            n = integer(m.group(6))
            expected_n = self.r.n_validation if self.subject == "val_accuracy" else \
                (self.r.raw.get("dataset") or {}).get("sizes", {}).get("train")
            mean = sum(values) / len(values)
            se = math.sqrt(mean * (1 - mean) / n) if n else None
            if n != expected_n:
                problems.append(f"{n} sequences, but the {self.subject} is a share of {expected_n}")
            if not points_close(m.group(5), largest):
                problems.append(f"the largest turn is {largest:.4f}, not {m.group(5)}")
            if se is None or not points_close(m.group(7), se):
                problems.append(f"one standard error at the mean {mean:.4f} on {n} is {se}, not {m.group(7)}")
            elif largest > 2 * se:
                problems.append(f"the largest turn {largest:.4f} is more than two standard errors ({2 * se:.4f})")
        self.claim("direction changes", s, not problems, "; ".join(problems))

    def _lowest_val(self):
        values = self.r.curve("val_loss")
        if not values or any(v is None for v in values):
            return None, values
        return min(r4(v) for v in values), values

    # "The validation loss was lowest at epoch k (v)[, the last epoch]."  (and "... (v) and ended P above that ...")
    def best_epoch(self, s: str) -> None:
        for m in re.finditer(r"the validation loss was lowest at epoch (\d+) \((" + V + r")\)(, the last epoch)?", s,
                             flags=re.IGNORECASE):
            k, v = int(m.group(1)), m.group(2)
            lowest, values = self._lowest_val()
            problems = []
            if lowest is None:
                problems.append(f"validation loss has missing values: {values}")
            elif not self.value_ok(v, "val_loss", k):
                problems.append(f"{v} is not {self.shown('val_loss', k)}")
            elif r4(values[k - 1]) != lowest:
                problems.append(f"the lowest printed validation loss is {lowest}, not {r4(values[k - 1])}")
            if m.group(3) and k != len(values):
                problems.append(f"epoch {k} is not the last ({len(values)})")
            self.claim("lowest validation loss", s, not problems, "; ".join(problems))

    def overfitting(self, s: str) -> None:
        r = self.r
        lowest, val = self._lowest_val()
        train = r.curve("loss")
        m = re.match(r"The model overfitted from epoch (\d+): its validation loss was lowest at epoch (\d+) \((" + V +
                     r")\) and ended (?:(" + V + r") higher \(|higher, at )(" + V + r") at epoch (\d+)\)?, while the training loss (?:kept "
                     r"falling from (" + V + r") to (" + V + r")|ended lower than at epoch (\d+), though it did not fall at "
                     r"every epoch \((" + V + r") to (" + V + r")\))\.", s)
        if m:
            kept = m.group(7) is not None
            k, b, v, p, w, n = (int(m.group(1)), int(m.group(2)), m.group(3), m.group(4), m.group(5), int(m.group(6)))
            x, y = (m.group(7), m.group(8)) if kept else (m.group(10), m.group(11))
            problems = []
            if lowest is None or any(t is None for t in train):
                problems.append("missing values")
            else:
                if k != b + 1:
                    problems.append(f"onset {k} is not the epoch after the lowest ({b})")
                if n != len(val):
                    problems.append(f"epoch {n} is not the last ({len(val)})")
                for printed, curve, epoch in ((v, "val_loss", b), (w, "val_loss", n), (x, "loss", b), (y, "loss", n)):
                    if not self.value_ok(printed, curve, epoch):
                        problems.append(f"{printed} is not {self.shown(curve, epoch)}")
                if r4(val[b - 1]) != lowest:
                    problems.append(f"epoch {b} is not the lowest validation loss ({lowest})")
                rise = (val[n - 1] - val[b - 1]) / val[b - 1] if val[b - 1] > 0 else math.inf
                if p is not None and not pct_close(p, rise):
                    problems.append(f"rise {p} is not {rise:.4%}")
                if rise < 0.02:
                    problems.append(f"a rise of {rise:.2%} is too small to call overfitting")
                later = train[b - 1:n]
                falls = sum(1 for t in curve_steps(later) if t < 0)
                if step(train[b - 1], train[n - 1]) >= 0:
                    problems.append(f"the training loss did not end lower than at epoch {b}: {[r4(t) for t in later]}")
                elif kept and falls * 2 < len(later) - 1:
                    problems.append(f"the training loss did not keep falling after epoch {b}: {[r4(t) for t in later]}")
                elif not kept and (int(m.group(9)) != b or falls == len(later) - 1):
                    problems.append(f"'did not fall at every epoch' after epoch {m.group(9)}: {[r4(t) for t in later]}")
            self.claim("overfitting", s, not problems, "; ".join(problems))
        m = re.match(r"After epoch (\d+) the validation loss rose (?:by (" + V + r") \(to (" + V + r")\)|from " + V +
                     r" to (" + V + r") at epoch \d+), but the training "
                     r"loss did not fall over the same epochs \((" + V + r") to (" + V + r")\)", s)
        if m:
            b, p, w, x, y = int(m.group(1)), m.group(2), m.group(3) or m.group(4), m.group(5), m.group(6)
            n = r.n_epochs
            problems = []
            if lowest is None:
                problems.append("missing values")
            else:
                if r4(val[b - 1]) != lowest:
                    problems.append(f"epoch {b} is not the lowest validation loss ({lowest})")
                for printed, curve, epoch in ((w, "val_loss", n), (x, "loss", b), (y, "loss", n)):
                    if not self.value_ok(printed, curve, epoch):
                        problems.append(f"{printed} is not {self.shown(curve, epoch)}")
                if p is not None and not pct_close(p, (val[-1] - val[b - 1]) / val[b - 1]):
                    problems.append(f"rise {p} is wrong")
                if step(train[b - 1], train[-1]) < 0:
                    problems.append("the training loss did fall")
            self.claim("overfitting", s, not problems, "; ".join(problems))
        m = re.match(r"The validation loss was lowest at epoch (\d+) \((" + V + r")\) and ended (" + V +
                     r") above that at epoch (\d+)(, rising at every epoch while the training loss fell \((" + V + r") to (" +
                     V + r")\))?: too small a rise", s)
        if m:
            b, p, n = int(m.group(1)), m.group(3), int(m.group(4))
            problems = []
            if lowest is None:
                problems.append("missing values")
            else:
                rise = (val[n - 1] - val[b - 1]) / val[b - 1]
                if n != len(val):
                    problems.append(f"epoch {n} is not the last")
                if not pct_close(p, rise):
                    problems.append(f"rise {p} is not {rise:.4%}")
                if rise >= 0.10:
                    problems.append(f"a rise of {rise:.1%} is not small")
                steady = self._rose_every_epoch(val, train, b)
                if bool(m.group(5)) != steady:
                    problems.append(f"'rising at every epoch' is {bool(m.group(5))}, the curve: {steady}")
                elif steady and not (self.value_ok(m.group(6), "loss", b) and self.value_ok(m.group(7), "loss", n)):
                    problems.append(f"training loss {m.group(6)} to {m.group(7)}")
            self.claim("overfitting", s, not problems, "; ".join(problems))
        m = re.match(r"There is no sign of overfitting: the validation loss was flat, between (" + V + r") and (" + V +
                     r") in all (\d+) epochs", s)
        if m:
            ok, detail = self._flat_ok(val) if lowest is not None else (False, "missing values")
            if ok:
                best = min(range(len(val)), key=lambda i: (r4(val[i]), i)) + 1
                ok = (loss_close(m.group(1), min(val)) and loss_close(m.group(2), max(val))
                      and int(m.group(3)) == len(val) and not self._rose_every_epoch(val, train, best))
            self.claim("overfitting", s, ok, detail)
        m = re.match(r"There is no sign of overfitting: the validation loss was lowest at the last epoch, (\d+) \((" + V +
                     r")\)", s)
        if m:
            n, v = int(m.group(1)), m.group(2)
            problems = []
            if lowest is None:
                problems.append("missing values")
            else:
                if n != len(val):
                    problems.append(f"epoch {n} is not the last ({len(val)})")
                if not self.value_ok(v, "val_loss", n):
                    problems.append(f"{v} is not {self.shown('val_loss', n)}")
                if r4(val[-1]) != lowest:
                    problems.append(f"the last validation loss {r4(val[-1])} is not the lowest ({lowest})")
            self.claim("overfitting", s, not problems, "; ".join(problems))
        m = re.match(r"Overfitting cannot be judged from " + N + r" epochs?: it takes at least three", s)
        if m:
            self.claim("overfitting", s, integer(m.group(1)) == len(val) < 3 and None not in val,
                       f"validation losses {val}")
        if s.startswith("Overfitting cannot be judged: the run has too few finite validation losses"):
            self.claim("overfitting", s, sum(v is not None for v in val) < 3, f"validation losses {val}")
        m = re.match(r"Overfitting cannot be judged: training diverged in epoch (\d+)", s)
        if m:
            self._diverged_in(s, int(m.group(1)))

    def end_state(self, s: str) -> None:
        r = self.r
        train = r.curve("loss")
        m = re.match(r"Training was still improving when it stopped: the " + CURVE + r" fell by (" + V +
                     r") over the last " + N + r" epochs? and was lowest at the last one, and the training loss fell "
                     r"in the last epoch too", s)
        if m:
            curve, p, k = CURVE_WORDS[m.group(1)], m.group(2), integer(m.group(3))
            c = r.curve(curve)
            if any(v is None for v in c + train) or len(c) < 2:
                problems = ["missing values"]
            else:
                problems = falling_end_problems(c, curve, p, k)
                if step(train[-2], train[-1]) >= 0:
                    problems.append(f"the training loss did not fall in the last epoch ({r4(train[-2])} to {r4(train[-1])})")
            self.claim("end state", s, not problems, "; ".join(problems))
        # Without validation data: the training loss alone, and no promise about new data.
        m = re.match(r"The training loss was still falling when training stopped: by (" + V + r") over the last " + N +
                     r" epochs?, lowest at the last one", s)
        if m:
            p, k = m.group(1), integer(m.group(2))
            if any(v is None for v in train) or len(train) < 2:
                problems = ["missing values"]
            else:
                problems = falling_end_problems(train, "loss", p, k)
            self.claim("end state", s, not problems, "; ".join(problems))
        m = re.match(r"Training had levelled off: over the last " + N + r" epochs? the " + CURVE +
                     r" (?:stayed within (" + V + r") of its level|moved by (" + V +
                     r") of its whole fall since epoch 1 \((" + V + r") to (" + V + r")\))", s)
        if m:
            k, curve = integer(m.group(1)), CURVE_WORDS[m.group(2)]
            c = r.curve(curve)
            problems = []
            if any(v is None for v in c) or len(c) < k:
                problems.append("missing values")
            else:
                window = c[-k:]
                spread = max(window) - min(window)
                if m.group(3):
                    relative = spread / abs(window[-1]) if window[-1] else math.inf
                    if not pct_close(m.group(3), relative):
                        problems.append(f"spread {m.group(3)} is not {relative:.4%} of the level")
                    if relative > 0.05:
                        problems.append(f"a spread of {relative:.2%} is not level")
                else:
                    whole_fall = c[0] - min(c)
                    share = spread / whole_fall if whole_fall > 0 else math.inf
                    if not pct_close(m.group(4), share):
                        problems.append(f"{m.group(4)} is not {share:.4%} of the fall since epoch 1 "
                                        f"({r4(c[0])} to the lowest {r4(min(c))})")
                    if share > 0.05:
                        problems.append(f"moving {share:.2%} of the whole fall is not levelling off")
                    if not self.value_ok(m.group(5), curve, len(c) - k + 1):
                        problems.append(f"{m.group(5)} is not {self.shown(curve, len(c) - k + 1)}")
                    if not self.value_ok(m.group(6), curve, len(c)):
                        problems.append(f"{m.group(6)} is not {self.shown(curve, len(c))}")
            self.claim("end state", s, not problems, "; ".join(problems))
        m = re.match(r"The last epoch was past the best one: the " + CURVE + r" was lowest at epoch (\d+) and ended "
                     r"higher \((" + V + r") at epoch (\d+)\)", s)
        if m:
            curve, b, w, n = CURVE_WORDS[m.group(1)], int(m.group(2)), m.group(3), int(m.group(4))
            c = r.curve(curve)
            ok = (not any(v is None for v in c) and b < len(c) and r4(c[b - 1]) == min(r4(v) for v in c)
                  and step(c[b - 1], c[-1]) > 0 and n == len(c) and self.value_ok(w, curve, n))
            self.claim("end state", s, ok, f"{curve} {[r4(v) for v in c if v is not None]}")
        m = re.match(r"Training ended past its best epoch \(epoch (\d+), by the validation loss\)\.", s)
        if m:
            b, c = int(m.group(1)), r.curve("val_loss")
            ok = (not any(v is None for v in c) and b < len(c) and r4(c[b - 1]) == min(r4(v) for v in c)
                  and step(c[b - 1], c[-1]) > 0)
            self.claim("end state", s, ok, f"val_loss {[r4(v) for v in c if v is not None]}")
        m = re.match(r"Whether training was still improving at the end is unclear: the " + CURVE + r" changed direction "
                     + TIMES + r" and ended on one of its swings \((" + V + r") to (" + V + r") over the last " + N +
                     r" epochs?\)", s)
        small = re.match(r"Whether training was still improving at the end is unclear: the " + CURVE + r" changed "
                         r"direction " + TIMES + r", each time by a small turn, and moved both ways over the last " + N +
                         r" epochs? \((" + V + r") to (" + V + r")\)", s)
        if small:
            # The same claim as "ended on one of its swings", with turns too small to call swings.
            m = small
            curve, changes = CURVE_WORDS[m.group(1)], times(m.group(2))
            k, first, last = integer(m.group(3)), m.group(4), m.group(5)
        elif m:
            curve, changes = CURVE_WORDS[m.group(1)], times(m.group(2))
            first, last, k = m.group(3), m.group(4), integer(m.group(5))
        if m:
            c = r.curve(curve)
            problems = []
            if any(v is None for v in c) or len(c) < max(k, 3):
                problems.append("missing values")
            else:
                counted = direction_changes(c)
                if counted != changes:
                    problems.append(f"{curve} changed direction {counted} times, not {changes}")
                if counted < 2 or counted / (len(c) - 2) < 0.4:
                    problems.append(f"{counted} changes in {len(c) - 2} epochs is not a zig-zag")
                moves = [b - a for a, b in zip(c, c[1:]) if step(a, b) != 0]
                largest = max((min(abs(a), abs(b)) for a, b in zip(moves, moves[1:]) if (a > 0) != (b > 0)),
                              default=0.0)
                visible = largest >= 0.05 * (max(c) - min(c))
                if small and visible:
                    problems.append(f"a turn of {largest:.4f} is 5 % of the range or more: not small")
                if not small and not visible:
                    problems.append(f"its largest turn {largest:.4f} is under 5 % of its range: no swing")
                if small and len({step(a, b) for a, b in zip(c[-k:], c[-k + 1:])} - {0}) < 2:
                    problems.append(f"the last {k} epochs did not move both ways")
                if not self.value_ok(first, curve, len(c) - k + 1):
                    problems.append(f"{first} is not {self.shown(curve, len(c) - k + 1)}")
                if not self.value_ok(last, curve, len(c)):
                    problems.append(f"{last} is not {self.shown(curve, len(c))}")
            self.claim("end state", s, not problems, "; ".join(problems))
        m = re.match(r"Whether training had settled is unclear: over the last " + N + r" epochs? the " + CURVE +
                     r" moved by (" + V + r") of its level", s)
        if m:
            k, curve = integer(m.group(1)), CURVE_WORDS[m.group(2)]
            c = r.curve(curve)
            window = c[-k:]
            ok = not any(v is None for v in window) and pct_close(m.group(3), (max(window) - min(window)) / abs(window[-1]))
            ok = ok and len({step(a, b) for a, b in zip(window, window[1:])} - {0}) != 1  # "without a clear direction"
            self.claim("end state", s, ok, f"last {k} values {window}")
        m = re.match(r"Whether training had settled is unclear: over the last " + N + r" epochs? the " + CURVE +
                     r" (fell|rose) from (" + V + r") to (" + V + r"), by (" + V + r") of its level, (?:yet stayed above|"
                     r"away from) its lowest value, (" + V + r") at epoch (\d+)", s)
        if m:
            k, curve = integer(m.group(1)), CURVE_WORDS[m.group(2)]
            c = r.curve(curve)
            window = c[-k:]
            problems = []
            if any(v is None for v in window) or None in c:
                problems.append("a value is missing")
            else:
                moves = {step(a, b) for a, b in zip(window, window[1:])} - {0}
                if moves != {-1 if m.group(3) == "fell" else 1}:
                    problems.append(f"the last {k} values {window} did not all {m.group(3).replace('fell', 'fall').replace('rose', 'rise')}")
                if not (self.value_ok(m.group(4), curve, len(c) - k + 1) and self.value_ok(m.group(5), curve, len(c))):
                    problems.append(f"the window's ends are {window[0]} and {window[-1]}")
                if not pct_close(m.group(6), (max(window) - min(window)) / abs(window[-1])):
                    problems.append("the share of its level")
                best = min(range(len(c)), key=lambda i: (round(c[i], 4), i))
                if int(m.group(8)) != best + 1 or not self.value_ok(m.group(7), curve, best + 1):
                    problems.append(f"the lowest value is {c[best]} at epoch {best + 1}")
            self.claim("end state", s, not problems, "; ".join(problems))

    def _spike(self, s, count, epoch, before, after):
        train = self.r.curve("loss")
        problems = []
        if not self.value_ok(before, "loss", epoch - 1):
            problems.append(f"{before} is not {self.shown('loss', epoch - 1)}")
        if not self.value_ok(after, "loss", epoch):
            problems.append(f"{after} is not {self.shown('loss', epoch)}")
        rises = [(i + 2, (train[i + 1] - train[i]) / train[i]) for i in range(len(train) - 1)
                 if train[i] is not None and train[i + 1] is not None and train[i] > 0 and step(train[i], train[i + 1]) > 0]
        # A jump is more than the batches' scatter: where run.json keeps 4 or more finite batch losses in both epochs,
        # the rise must exceed twice the standard error of a difference of two epoch means at the earlier epoch's
        # batch-loss standard deviation (n - 1): 2 · SD · sqrt(1/n1 + 1/n2).
        batches = self.r.raw.get("batch_history") or {}
        by_epoch: dict = {}
        for e, v in zip(batches.get("epoch") or [], [as_float(v) for v in batches.get("loss") or []]):
            if v is not None:
                by_epoch.setdefault(e, []).append(v)

        def beyond_scatter(at: int) -> bool:
            first, second = by_epoch.get(at - 1) or [], by_epoch.get(at) or []
            if len(first) < 4 or len(second) < 4:
                return True
            mean = sum(first) / len(first)
            sd = math.sqrt(sum((v - mean) ** 2 for v in first) / (len(first) - 1))
            return train[at - 1] - train[at - 2] > 2 * sd * math.sqrt(1 / len(first) + 1 / len(second))

        jumps = [(at, rel) for at, rel in rises if beyond_scatter(at)]
        if not rises:
            problems.append("the training loss never rose")
        elif not jumps:
            problems.append("every rise of the training loss is within its batch losses' scatter")
        else:
            largest = max(jumps, key=lambda item: item[1])
            if largest[0] != epoch:
                problems.append(f"the largest relative rise was at epoch {largest[0]} ({largest[1]:.1%})")
            big = sum(1 for _, rel in jumps if rel > 0.5)
            if count is not None and not (max(big, 1) <= count <= len(jumps)):
                problems.append(f"{count} jumps, but the loss rose beyond its batch scatter in {len(jumps)} epochs "
                                f"({big} by over 50 %)")
        self.claim("loss jumps", s, not problems, "; ".join(problems))

    def spikes(self, s: str) -> None:
        """'The training loss jumped up N times; the largest jump was at epoch E, from X to Y' (or '... once, at
        epoch E, from X to Y', '... (largest at epoch E, from X to Y)')."""
        m = re.search(r"The training loss jumped up " + TIMES + r"(?:; the largest jump was|,| \(largest)? at epoch (\d+), "
                      r"from (" + V + r") to (" + V + r")", s)
        if m:
            self._spike(s, times(m.group(1)), int(m.group(2)), m.group(3), m.group(4))

    def _chance_words(self, s: str, problems: list) -> None:
        """'guessing scores U and always answering the training split's most frequent class (C) scores S on the
        test set' (or 'one of the classes tied as most frequent in the training split (A, B) at most S')."""
        r = self.r
        m = re.search(r"guessing scores (" + V + r")(?: and always answering (?:the training split's most frequent class"
                      r"|one of the classes tied as most frequent in the training split) \(([^)]*)\)(?: at most)? scores (" +
                      V + r") on the test set)?", s)
        if not m:
            return
        if r.uniform is None or not pct_close(m.group(1), r.uniform):
            problems.append(f"guessing: {m.group(1)} is not 1/K = {r.uniform}")
        if m.group(2) is not None:
            if m.group(2).split(", ") != r.majority_classes:
                problems.append(f"the training split's most frequent classes are {r.majority_classes}, not {m.group(2)}")
            if r.majority_share is None or not pct_close(m.group(3), r.majority_share):
                problems.append(f"majority share {m.group(3)} is not {r.majority_share}")
        self._interval(s, problems)

    def _interval(self, s: str, problems: list) -> None:
        """A test accuracy's '95 % interval L–H %' is Wilson's."""
        r = self.r
        m = re.search(r"test accuracy,? (" + V + r"),? \(95 % interval (\d+\.\d)–(\d+\.\d) %", s)
        if m and r.test_accuracy is not None and r.n_test:
            low, high = wilson(r.test_accuracy, r.n_test)
            if abs(float(m.group(2)) - 100 * low) > 0.051 or abs(float(m.group(3)) - 100 * high) > 0.051:
                problems.append(f"interval {m.group(2)}–{m.group(3)} is not Wilson's {100 * low:.2f}–{100 * high:.2f}")

    def outcome(self, s: str) -> None:
        r = self.r
        acc = r.test_accuracy
        m = re.match(r"The " + MODEL + r" did not learn the task: its test accuracy, (" + V + r") \([^)]*\), is not "
                     r"significantly above chance", s)
        if m:
            problems = []
            if acc is None or not pct_close(m.group(2), acc):
                problems.append(f"test accuracy {m.group(2)} is not {acc}")
            if not r.at_chance(acc):
                problems.append(f"{acc} is above chance {r.floor} by a binomial test (needs {r.critical})")
            self._chance_words(s, problems)
            self.claim("test outcome", s, not problems, "; ".join(problems))
        m = re.match(r"The " + MODEL + r" learned part of the task: its test accuracy, (" + V + r") \([^)]*\), is above "
                     r"chance \((.*)\) but covers only (" + V + r") of the way", s)
        if m:
            problems = []
            if acc is None or not pct_close(m.group(2), acc):
                problems.append(f"test accuracy {m.group(2)} is not {acc}")
            if not r.clearly_above_chance(acc):
                problems.append(f"{acc} is not clearly above chance {r.floor} (margin {r.margin:.4f})")
            elif not pct_close(m.group(4), r.share_of_way(acc)):
                problems.append(f"share of the way {m.group(4)} is not {r.share_of_way(acc):.4f}")
            elif r.share_of_way(acc) >= 0.9:
                problems.append(f"{r.share_of_way(acc):.1%} of the way is not 'part of the task'")
            self._chance_words(s, problems)
            self.claim("test outcome", s, not problems, "; ".join(problems))
        m = re.match(r"The " + MODEL + r" learned the task: test accuracy (" + V + r") \([^;]*; loss (" + V + r")\) on " + N +
                     r" sequences", s)
        if m:
            problems = []
            if acc is None or not pct_close(m.group(2), acc):
                problems.append(f"test accuracy {m.group(2)} is not {acc}")
            elif not r.clearly_above_chance(acc) or r.share_of_way(acc) < 0.5:
                problems.append(f"{acc} is not learning the task (chance {r.floor}, "
                                f"{r.share_of_way(acc):.1%} of the way to 100 %)")
            if not printed_matches(m.group(3), r.test_loss, "loss"):
                problems.append(f"test loss {m.group(3)} is not {r.test_loss}")
            if integer(m.group(4)) != r.n_test:
                problems.append(f"{m.group(4)} test sequences, but the record has {r.n_test}")
            self._chance_words(s, problems)
            self.claim("test outcome", s, not problems, "; ".join(problems))
        m = re.match(r"Training failed: the loss became (\S+) at epoch (\d+), batch (\d+)", s)
        if m:
            self._diverged(s, m.group(1), int(m.group(2)), int(m.group(3)))
        if s.startswith("The model was not evaluated on the test set"):
            self.claim("test outcome", s, r.test_accuracy is None, f"test accuracy {r.test_accuracy}")

    def _diverged_in(self, s, epoch):
        # The epoch it diverged in is where its loss exploded (which may be epochs before it stopped).
        ok = self.r.stopped.get("reason") == "nan_loss" and diverged_epoch(self.r.raw) == epoch
        self.claim("diverged", s, ok, f"the record's stopped is {self.r.stopped}; the loss exploded in epoch "
                   f"{diverged_epoch(self.r.raw)}")

    def _diverged(self, s, value, epoch, batch):
        stopped = self.r.stopped
        problems = []
        if stopped.get("reason") != "nan_loss":
            problems.append(f"the record's stopped is {stopped}")
        else:
            if (stopped.get("epoch"), stopped.get("batch")) != (epoch, batch):
                problems.append(f"stopped at epoch {stopped.get('epoch')}, batch {stopped.get('batch')}")
            if str(stopped.get("value", "NaN")).lower() != value.lower():
                problems.append(f"the value was {stopped.get('value')}")
        if self.r.test_accuracy is not None:
            problems.append(f"but the record has a test accuracy, {self.r.test_accuracy}")
        self.claim("diverged", s, not problems, "; ".join(problems))

    def evaluated(self, s: str) -> None:
        for m in re.finditer(r"evaluated once, with the weights of the last epoch \((\d+)\)", s):
            ok = int(m.group(1)) == self.r.n_epochs and self.r.test_accuracy is not None
            self.claim("evaluated epoch", s, ok, f"the record has {self.r.n_epochs} epochs, test {self.r.test_accuracy}")

    def learning_start(self, s: str) -> None:
        r = self.r
        m = re.match(r"In epochs? 1(?:-(\d+))? the validation accuracy stayed below (" + V + r"), the lowest that a "
                     r"one-sided binomial test on " + N + r" validation sequences tells from their chance level \((" + V +
                     r")\); it first reached it at epoch (\d+)", s)
        if m:
            first = int(m.group(1) or 1)
            critical, n, floor, e = m.group(2), integer(m.group(3)), m.group(4), int(m.group(5))
            values = r.curve("val_accuracy")
            problems = []
            if first != e - 1:
                problems.append(f"epochs 1-{first}, but left chance at epoch {e}")
            if r.validation_floor is None or not pct_close(floor, r.validation_floor):
                problems.append(f"chance level {floor} is not the validation split's max(1/K, the training majority's "
                                f"share) = {r.validation_floor}")
            if n != r.n_validation:
                problems.append(f"{n} validation sequences, but the record has {r.n_validation}")
            if r.validation_critical is None or not pct_close(critical, r.validation_critical):
                problems.append(f"threshold {critical} is not the binomial test's {r.validation_critical}")
            else:
                below = [(i + 1, v) for i, v in enumerate(values[:e - 1]) if v is None or v >= r.validation_critical]
                if below:
                    problems.append(f"epochs not below {r.validation_critical:.4f}: {below}")
                at_e = r.value("val_accuracy", e)
                if at_e is None or at_e < r.validation_critical:
                    problems.append(f"epoch {e}: {at_e} is below {r.validation_critical:.4f}")
            self.claim("left chance", s, not problems, "; ".join(problems))
        m = re.match(r"The validation accuracy never rose significantly above chance in " + N + r" epochs?", s)
        if m:
            values = r.curve("val_accuracy")
            threshold = r.validation_critical
            above = [(i + 1, v) for i, v in enumerate(values) if v is not None and threshold is not None and v >= threshold]
            ok = integer(m.group(1)) == len(values) and not above
            self.claim("left chance", s, ok, f"{len(values)} epochs; above chance: {above}")

    def _cell(self, title: str):
        return CELL_WORDS.get(title.replace("bidirectional ", ""), title)

    def comparison(self, s: str) -> None:
        r = self.r
        main_acc = r.test_accuracy
        m = re.match(r"The " + MODEL + r" reached test accuracy (" + V + r") and the " + MODEL +
                     r" (" + V + r"): the " + MODEL + r" was (" + V + r" percentage points) ahead(, and the " + MODEL +
                     r" stayed at chance)?", s)
        if m:
            cell = self._cell(m.group(3))
            base = r.baseline_accuracy(cell)
            problems = []
            if main_acc is None or base is None:
                problems.append(f"accuracies {main_acc}, {base}")
            else:
                if not pct_close(m.group(2), main_acc):
                    problems.append(f"{m.group(2)} is not the test accuracy {main_acc}")
                if not pct_close(m.group(4), base):
                    problems.append(f"{m.group(4)} is not the {cell} test accuracy {base}")
                if not points_close(m.group(6), main_acc - base):
                    problems.append(f"difference {m.group(6)} is not {main_acc - base:.4f}")
                if not (main_acc > base and r.apart(main_acc, base, cell)):
                    problems.append(f"{main_acc - base:.4f} ahead is not told apart from {base} by a test at 5 %")
                if m.group(7) and not r.at_chance(base):
                    problems.append(f"{base} is not at chance ({r.floor} + {r.margin:.4f})")
            self.claim("baseline comparison", s, not problems, "; ".join(problems))
        m = re.match(r"The " + MODEL + r" baseline did better in this run: test accuracy (" + V + r") against the " +
                     MODEL + r"'s (" + V + r") \((" + V + r" percentage points) more;", s)
        if m:
            cell = self._cell(m.group(1))
            base = r.baseline_accuracy(cell)
            problems = []
            if main_acc is None or base is None:
                problems.append(f"accuracies {main_acc}, {base}")
            else:
                if not pct_close(m.group(2), base) or not pct_close(m.group(4), main_acc):
                    problems.append(f"accuracies are {base} and {main_acc}")
                if not points_close(m.group(5), base - main_acc):
                    problems.append(f"difference {m.group(5)} is not {base - main_acc:.4f}")
                if not (base > main_acc and r.apart(main_acc, base, cell)):
                    problems.append(f"{base - main_acc:.4f} better is not told apart by a test at 5 %")
            self.claim("baseline comparison", s, not problems, "; ".join(problems))
        m = re.match(r"The " + MODEL + r" baseline reached test accuracy (" + V + r") against the " + MODEL + r"'s (" +
                     V + r") \([^)]*\)\. The " + MODEL + r" (never left chance|learned only part of the task)", s)
        if m:
            cell = self._cell(m.group(1))
            base = r.baseline_accuracy(cell)
            problems = []
            if main_acc is None or base is None:
                problems.append(f"accuracies {main_acc}, {base}")
            else:
                if not pct_close(m.group(2), base) or not pct_close(m.group(4), main_acc):
                    problems.append(f"accuracies are {base} and {main_acc}")
                if not (base > main_acc and r.apart(main_acc, base, cell)):
                    problems.append(f"the baseline is not told apart as ahead ({base - main_acc:.4f})")
                if m.group(6) == "never left chance" and not r.at_chance(main_acc):
                    problems.append(f"{main_acc} is not at chance")
                if m.group(6) != "never left chance" and not r.clearly_above_chance(main_acc):
                    problems.append(f"{main_acc} did not learn even part of the task")
            self.claim("baseline comparison", s, not problems, "; ".join(problems))
        m = re.match(r"The " + MODEL + r" baseline scored (" + V + r") against the " + MODEL + r"'s (" + V +
                     r"): the difference, (" + V + r" percentage points)(?: in the [\w' -]+ favour)?, is within what sampling noise gives on this "
                     r"test set \(.*\), so (both stayed at chance|this test set cannot tell)", s)
        if m:
            cell = self._cell(m.group(1))
            base = r.baseline_accuracy(cell)
            problems = []
            if main_acc is None or base is None:
                problems.append(f"accuracies {main_acc}, {base}")
            else:
                if not pct_close(m.group(2), base) or not pct_close(m.group(4), main_acc):
                    problems.append(f"accuracies are {base} and {main_acc}")
                if r.apart(main_acc, base, cell):
                    problems.append(f"{main_acc} and {base} are told apart by a test at 5 %")
                if not points_close(m.group(5), main_acc - base):
                    problems.append(f"difference {m.group(5)} is not {main_acc - base:.4f}")
                if m.group(6) == "both stayed at chance" and not (r.at_chance(base) and r.at_chance(main_acc)):
                    problems.append(f"{base} and {main_acc} are not both at chance")
            self.claim("baseline comparison", s, not problems, "; ".join(problems))
        m = re.match(r"The " + MODEL + r" baseline has no test accuracy to compare(: its training diverged)?", s)
        if m:
            base = r.baseline_accuracy(self._cell(m.group(1)))
            ok = base is None or main_acc is None
            self.claim("baseline comparison", s, ok, f"accuracies {main_acc}, {base}")

    # A variant of the main model (model.compare's mappings): which settings it changed, its test accuracy against
    # the main model's with the test that tells them apart, and the epoch each left chance on validation.
    FORGET = r"(chrono initialisation|(Keras' default )?forget-gate biases of (" + V + r"))"

    def _forget_value(self, match_whole: str, value: str | None):
        return "chrono" if match_whole.startswith("chrono") else float(value)

    def variant_claims(self, s: str) -> None:
        r = self.r
        m = re.match(r"To measure what (?:this setting contributes|these settings contribute), the " + MODEL +
                     r" was trained again with (.*), with the same data, batches(?:, seed and epochs(?:, each tested .*)?| and seed, and .*)\.?$", s)
        if m:
            wanted = []
            for change in re.split(r" and (?=(?:chrono|forget|input|recurrent|\d|bidirectional|one-directional))",
                                   m.group(2)):
                f = re.fullmatch(self.FORGET + r" instead of " + self.FORGET, change)
                if f:
                    variant, main = self._forget_value(f.group(1), f.group(3)), self._forget_value(f.group(4), f.group(6))
                    problems = [f"{change!r}: Keras' default is 1"] if (f.group(2) and variant != 1.0) or \
                        (f.group(5) and main != 1.0) else []
                    wanted.append(("forget_bias", variant, main, problems))
                    continue
                u = re.fullmatch(N + r" units? per layer instead of " + N, change)
                if u:
                    wanted.append(("units", integer(u.group(1)), integer(u.group(2)), []))
                    continue
                d = re.fullmatch(r"(input|recurrent) dropout (" + V + r") instead of (" + V + r")", change)
                if d:
                    key = "dropout" if d.group(1) == "input" else "recurrent_dropout"
                    wanted.append((key, float(d.group(2)), float(d.group(3)), []))
                    continue
                wanted.append(("bidirectional", change.startswith("bidirectional"), not change.startswith("bidirectional"), []))
            layers = ((r.raw.get("spec") or {}).get("model") or {}).get("recurrent") or [{}]
            defaults = {"forget_bias": 1.0, "dropout": 0.0, "recurrent_dropout": 0.0, "bidirectional": False}
            problems = [p for *_, found in wanted for p in found]
            match = None
            for variant in r.variants:
                changed = variant.get("variant") or {}
                if sorted(changed) == sorted(key for key, *_ in wanted) and all(
                        changed[key] == value and layers[0].get(key, defaults.get(key)) == main
                        for key, value, main, _ in wanted):
                    match = variant
            if match is None:
                problems.append(f"no variant in the record changed {[(k, v, m) for k, v, m, _ in wanted]} "
                                f"(variants: {[v.get('variant') for v in r.variants]})")
            self.current_variant = match
            self.claim("variant settings", s, not problems, "; ".join(problems))
            return
        variant = getattr(self, "current_variant", None)
        m = re.match(r"It reached test accuracy (" + V + r") against the " + MODEL + r"'s (" + V + r"): (?:the " + MODEL +
                     r" as specified was (" + V + r" percentage points) ahead|the variant was (" + V +
                     r" percentage points) ahead|the difference, (" + V + r" percentage points)(?: in the [\w' -]+ favour)?, is within what sampling "
                     r"noise gives)", s)
        if m:
            main_acc = r.test_accuracy
            base = as_float(((variant or {}).get("test") or {}).get("accuracy"))
            problems = []
            if variant is None or main_acc is None or base is None:
                problems.append(f"no variant sentence before it, or accuracies {main_acc}, {base}")
            else:
                if not pct_close(m.group(1), base) or not pct_close(m.group(3), main_acc):
                    problems.append(f"accuracies are {base} (variant) and {main_acc}")
                apart = r.apart(main_acc, base, variant.get("cell"), other=variant)
                if m.group(5) and not (main_acc > base and apart and points_close(m.group(5), main_acc - base)):
                    problems.append(f"main {main_acc} not told apart as ahead of {base}, or not by {m.group(5)}")
                if m.group(6) and not (base > main_acc and apart and points_close(m.group(6), base - main_acc)):
                    problems.append(f"variant {base} not told apart as ahead of {main_acc}, or not by {m.group(6)}")
                if m.group(7) and (apart or not points_close(m.group(7), main_acc - base)):
                    problems.append(f"{main_acc} and {base} are told apart, or the difference is not {m.group(7)}")
                if "without the setting it stayed at chance" in s and not r.at_chance(base):
                    problems.append(f"the variant's {base} is not at chance")
            self.claim("variant comparison", s, not problems, "; ".join(problems))
        m = re.match(r"On the validation set the " + MODEL + r" (?:was above chance from epoch (\d+)|never rose above "
                     r"chance) and the variant (?:from epoch (\d+)|in none of its " + N + r" epochs|in neither of its "
                     r"(2) epochs|not in its (only) epoch)", s)
        if m:
            threshold = r.validation_critical

            def first_above(values):
                return next((i + 1 for i, v in enumerate(values) if v is not None and threshold is not None
                             and v >= threshold), None)
            variant_values = [as_float(v) for v in (((variant or {}).get("history") or {}).get("val_accuracy") or [])]
            main_first, variant_first = first_above(r.curve("val_accuracy")), first_above(variant_values)
            said_main = int(m.group(2)) if m.group(2) else None
            said_variant = int(m.group(3)) if m.group(3) else None
            problems = []
            if said_main != main_first:
                problems.append(f"the main model first reached {threshold} at epoch {main_first}")
            if said_variant != variant_first:
                problems.append(f"the variant first reached {threshold} at epoch {variant_first}")
            said_epochs = integer(m.group(4)) if m.group(4) else (integer(m.group(5)) if m.group(5) else
                                                                   (1 if m.group(6) else None))
            if said_epochs is not None and said_epochs != len(variant_values):
                problems.append(f"the variant ran {len(variant_values)} epochs")
            if m.group(4) and said_epochs <= 2:
                problems.append(f"'none of its {said_epochs}' reads 'neither of its 2' or 'not in its only epoch'")
            self.claim("variant left chance", s, not problems, "; ".join(problems))

    def _run_named(self, title: str) -> dict:
        cell = self._cell(title)
        return self.r.raw if cell == self.r.main_cell else (self.r.baselines.get(cell) or {})

    def explosion(self, s: str) -> None:
        """'the loss exploded at epoch E, batch B (from X to Y, more than F times the first batch's loss), then stayed
        between A and Z (median M) over the next N batches until it overflowed to infinity at epoch E2, batch B2';
        'The loss exploded in epoch E and became infinite in epoch E2, so the curves stop there and show a diverged
        model from epoch E on'; '(the loss exploded at epoch E, batch B)'."""
        r = self.r
        batches = r.raw.get("batch_history") or {}
        losses = [as_float(v) for v in batches.get("loss") or []]
        for m in re.finditer(r"loss exploded at epoch (\d+), batch (\d+)(?: \(from (" + V + r") to (" + V +
                             r"), more than (" + V + r") times the first batch's loss\))?", s):
            factor = float(m.group(5).replace(",", "")) if m.group(5) else EXPLODED
            where = exploded_at(r.raw, factor)
            problems = []
            if where is None or where[:2] != (int(m.group(1)), int(m.group(2))):
                problems.append(f"the first batch loss over {factor:g}× the first or not finite is at {where}")
            elif m.group(3):
                index = where[2]
                if index == 0 or not loss_close(m.group(3), losses[index - 1]):
                    problems.append(f"the batch before had {losses[index - 1] if index else None}")
                if not loss_close(m.group(4), losses[index]):
                    problems.append(f"the batch had {losses[index]}")
            if factor < EXPLODED:
                problems.append(f"{factor:g} times the first loss is no explosion")
            self.claim("exploded", s, not problems, "; ".join(problems))
            tail = re.match(r"(?:, then stayed between (" + V + r") and (" + V + r") \(median (" + V + r")\) over the next "
                            + N + r" batch(?:es)?|, was (" + V + r") at the next batch)? (?:until it|and) (?:overflowed to "
                            r"(infinity)|became (\S+?)) at epoch (\d+), batch (\d+)", s[m.end():])
            if tail and where is not None:
                index = where[2]
                stop = (r.stopped.get("epoch"), r.stopped.get("batch"))
                between = [v for e, b, v in zip(batches["epoch"][index + 1:], batches["batch"][index + 1:],
                                                losses[index + 1:]) if v is not None and (e, b) != stop]
                problems = []
                if (int(tail.group(8)), int(tail.group(9))) != stop or r.stopped.get("reason") != "nan_loss":
                    problems.append(f"the record's stopped is {r.stopped}")
                value = "infinite" if tail.group(6) else tail.group(7)
                if str(r.stopped.get("value", "NaN")).lower() != value.lower():
                    problems.append(f"the loss became {r.stopped.get('value')}")
                if tail.group(1):
                    ordered = sorted(between)
                    mid = len(ordered) // 2
                    median = (ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2) if ordered else None
                    if not (ordered and loss_close(tail.group(1), ordered[0]) and loss_close(tail.group(2), ordered[-1])
                            and loss_close(tail.group(3), median) and integer(tail.group(4)) == len(between)):
                        problems.append(f"the {len(between)} batch losses between ran from "
                                        f"{ordered[0] if ordered else None} to {ordered[-1] if ordered else None}, "
                                        f"median {median}")
                elif tail.group(5):
                    if len(between) != 1 or not loss_close(tail.group(5), between[0]):
                        problems.append(f"the batch losses between were {between}")
                elif between and tail.group(0).startswith(" until it"):  # " and ...": the short form names no batches between
                    problems.append(f"{len(between)} batches ran between")
                self.claim("exploded", s, not problems, "; ".join(problems))
        m = re.search(r"The loss exploded in epoch (\d+) and became (\S+) in epoch (\d+), so the curves stop there and "
                      r"show a diverged model from epoch (\d+) on", s)
        if m:
            where = exploded_at(r.raw)
            ok = (where is not None and where[0] == int(m.group(1)) == int(m.group(4))
                  and r.stopped.get("epoch") == int(m.group(3))
                  and str(r.stopped.get("value", "NaN")).lower() == m.group(2).lower())
            self.claim("exploded", s, ok, f"the loss exploded at {where}; stopped {r.stopped}")

    def timing_not_comparable(self, s: str) -> None:
        """'...; their times per epoch are not comparable: the SimpleRNN diverged in epoch 1 and stopped after 4 of the
        10 batches of epoch 1, and the LSTM diverged in epoch 1 and ran on with exploded weights until epoch 4.'"""
        m = re.search(r"(?:their times per epoch are not comparable|Their times per epoch are not compared here): (.*)", s)
        if not m:
            return
        said = list(re.finditer(r"the " + MODEL + r" diverged in epoch (\d+)(?: and stopped after (\d+) of the " + N +
                                r" batches of epoch (\d+)| and ran on with exploded weights until epoch (\d+))?",
                                m.group(1)))
        problems = [] if said else ["names no model that diverged"]
        for d in said:
            run = self._run_named(d.group(1))
            stopped = run.get("stopped") or {}
            per_epoch = (run.get("batch_history") or {}).get("batches_per_epoch")
            if stopped.get("reason") != "nan_loss":
                problems.append(f"the {d.group(1)} did not diverge")
                continue
            if diverged_epoch(run) != int(d.group(2)):
                problems.append(f"the {d.group(1)}'s loss exploded in epoch {diverged_epoch(run)}")
            if d.group(3) and ((int(d.group(3)), int(d.group(5))) != (stopped.get("batch"), stopped.get("epoch"))
                               or integer(d.group(4)) != per_epoch or not stopped.get("batch", 0) < per_epoch):
                problems.append(f"the {d.group(1)} stopped at {stopped}, {per_epoch} batches an epoch")
            if d.group(6) and int(d.group(6)) != stopped.get("epoch"):
                problems.append(f"the {d.group(1)} stopped in epoch {stopped.get('epoch')}")
        self.claim("speed", s, not problems, "; ".join(problems))

    def learning_rate_cause(self, s: str) -> None:
        """'the learning rate, 1.18e+36, is far too high for sgd: even with the gradient clipped to norm 1, one step
        could move the weights by up to 1.18 × 10³⁶, against initial weights of order 1, so clipping cannot help'."""
        m = re.search(r"the learning rate, ([\d.e+-]+), is far too high for (\w+): even with the gradient clipped to "
                      r"norm ([\d.e+-]+), one step could move (the weights by up to|each weight by about) (" + V +
                      r"), against initial weights of order ([\d.]+), so clipping cannot help", s)
        if not m:
            return
        training = (self.r.raw.get("spec") or {}).get("training") or {}
        lr, norm, order = float(m.group(1)), float(m.group(3)), float(m.group(6))
        sgd = m.group(2) == "sgd"
        bound = lr * norm if sgd else lr
        problems = []
        if not self._same(m.group(1), training.get("learning_rate")) or m.group(2) != training.get("optimizer", "adam"):
            problems.append(f"the spec has {training.get('optimizer')} at {training.get('learning_rate')}")
        if (m.group(4) == "the weights by up to") != sgd or not printed_matches(m.group(5), bound, "loss") and \
                not self._same(m.group(5), bound):
            problems.append(f"a clipped step is {bound:g}")
        if bound <= order:
            problems.append(f"a clipped step of {bound:g} is within the weights' order {order:g}: clipping can help")
        self.claim("learning rate", s, not problems, "; ".join(problems))

    def speed(self, s: str) -> None:
        m = re.match(r"The " + MODEL + r" has " + N + r" parameters against the " + MODEL + r"'s " + N +
                     r"(?: parameters)? and took (" + V + r") s per epoch against (" + V + r") s", s)
        if not m:
            return
        def params(model):
            return sum(layer.get("params") or 0 for layer in (model or {}).get("layers") or [])
        # "... over the epochs after the first (the first, which carries one-time setup, took A s and B s)": the mean
        # of epochs 2 on, and the first epochs as printed; otherwise the mean of every epoch.
        after_first = re.search(r"s over the epochs after the first \(the first, which carries one-time setup, took (" +
                                V + r") s and (" + V + r") s\)", s)

        def times(timing):
            seconds = [as_float(x) for x in (timing or {}).get("seconds_per_epoch") or []]
            return [x for x in seconds if x is not None]

        def per_epoch(timing):
            seconds = times(timing)[1:] if after_first else times(timing)
            return sum(seconds) / len(seconds) if seconds else None
        base = self.r.baselines.get(self._cell(m.group(1))) or {}
        main = self.r.raw
        problems = []
        for name, run in ((m.group(1), base), (m.group(3), main)):
            if (run.get("stopped") or {}).get("reason") == "nan_loss":
                problems.append(f"the {name} diverged: its time per epoch is not comparable")
        if after_first:
            for printed, timing in ((after_first.group(1), base.get("timing")), (after_first.group(2), main.get("timing"))):
                first = (times(timing) or [None])[0]
                if first is None or abs(float(printed) - first) > 0.005 + 1e-9:
                    problems.append(f"the first epoch took {first} s, not {printed}")
        if integer(m.group(2)) != params(base.get("model")):
            problems.append(f"{m.group(2)} parameters, the record has {params(base.get('model'))}")
        if integer(m.group(4)) != params(main.get("model")):
            problems.append(f"{m.group(4)} parameters, the record has {params(main.get('model'))}")
        for printed, value in ((m.group(5), per_epoch(base.get("timing"))), (m.group(6), per_epoch(main.get("timing")))):
            if value is None or abs(float(printed) - value) > 0.005 + 1e-9:
                problems.append(f"{printed} s per epoch is not {value}")
        self.claim("speed", s, not problems, "; ".join(problems))

    def epoch_times(self, s: str) -> None:
        """'Training ran N epochs of B batches, T s in all: the first epoch took F s, as it carries one-time setup,
        and the other K took M s each on average', '..., M s per epoch on average (T s in all)' or, for one epoch,
        '..., T s in all.': T is the sum
        of the recorded epoch times, F the first, M the mean of the later ones (or of all)."""
        m = re.match(r"Training ran " + N + r" epochs? of " + N + r" batch(?:es)?, (?:(" + V + r") s in all: the first "
                     r"epoch took (" + V + r") s, as it carries one-time setup(?: \([^)]*\))?, and the other " + N + r" took (" +
                     V + r") s each on average|(" + V + r") s per epoch on average \((" + V + r") s in all\)|(" + V +
                     r") s in all\.)", s)
        if not m:
            return
        seconds = [x for x in (as_float(v) for v in (self.r.raw.get("timing") or {}).get("seconds_per_epoch") or [])
                   if x is not None]
        problems = []

        def close(printed, value, what):
            if value is None or abs(float(printed) - value) > 0.005 + 1e-9:
                problems.append(f"{what} is {value}, not {printed}")
        if not seconds:
            problems.append("the record has no epoch times")
        elif m.group(3):
            close(m.group(3), sum(seconds), "the epochs' sum")
            close(m.group(4), seconds[0], "the first epoch")
            if integer(m.group(5)) != len(seconds) - 1:
                problems.append(f"{len(seconds) - 1} later epochs")
            close(m.group(6), sum(seconds[1:]) / max(len(seconds) - 1, 1), "the later epochs' mean")
        elif m.group(9):  # a single epoch: its time, "in all"
            close(m.group(9), sum(seconds), "the epochs' sum")
            if len(seconds) != 1:
                problems.append(f"{len(seconds)} epochs timed, not one")
        else:
            close(m.group(7), sum(seconds) / len(seconds), "the mean epoch")
            close(m.group(8), sum(seconds), "the epochs' sum")
        if integer(m.group(1)) != len(seconds):
            problems.append(f"{len(seconds)} epochs timed")
        self.claim("epoch times", s, not problems, "; ".join(problems))

    def fit_time(self, s: str) -> None:
        """'model.fit took T s, D s of it outside the epochs': T the record's train_seconds, D T minus the sum of
        the epoch times, said only where the two differ as printed."""
        m = re.search(r"model\.fit took (" + V + r") s, (" + V + r") s of it outside the epochs", s)
        if not m:
            return
        timing = self.r.raw.get("timing") or {}
        fit = as_float(timing.get("train_seconds"))
        seconds = [x for x in (as_float(v) for v in timing.get("seconds_per_epoch") or []) if x is not None]
        ok = (fit is not None and seconds and abs(float(m.group(1)) - fit) <= 0.005 + 1e-9
              and abs(float(m.group(2)) - (fit - sum(seconds))) <= 0.01 + 1e-9 and round(fit, 2) != round(sum(seconds), 2))
        self.claim("fit time", s, ok, f"train_seconds {fit}, the epochs' sum {sum(seconds) if seconds else None}")

    def aim(self, s: str) -> None:
        r = self.r
        acc = r.test_accuracy
        m = re.match(r"This run shows the aim: the " + MODEL + r" learned the task \((" + V + r") test accuracy\) while "
                     r"(.* with the same data.*|.*, trained as the comparison above says\.)", s)
        if m:
            problems = []
            if acc is None or not pct_close(m.group(2), acc) or r.share_of_way(acc) < 0.5:
                problems.append(f"test accuracy {acc} ({m.group(2)}) did not learn the task")
            for other in re.finditer(r"the " + MODEL + r" reached (" + V + r")", m.group(3)):
                base = r.baseline_accuracy(self._cell(other.group(1)))
                if base is None or not pct_close(other.group(2), base):
                    problems.append(f"{other.group(1)}: {other.group(2)} is not {base}")
                elif acc is not None and not (acc > base and r.apart(acc, base, self._cell(other.group(1)))):
                    problems.append(f"{other.group(1)} at {base} is not clearly behind {acc}")
                elif r.share_of_way(base) >= 0.7:
                    problems.append(f"{other.group(1)} at {base} learned the task too (70 % of the way from chance)")
            self.claim("aim", s, not problems, "; ".join(problems))
        m = re.match(r"This run shows the " + MODEL + r" ahead but not the aim in full: the " + MODEL + r" learned the task "
                     r"\((" + V + r") test accuracy\) and was ahead of (.*) by a difference the test tells apart", s)
        if m:
            problems = []
            if acc is None or not pct_close(m.group(3), acc) or r.share_of_way(acc) < 0.5:
                problems.append(f"test accuracy {acc} ({m.group(3)}) did not learn the task")
            learned_too = False
            for other in re.finditer(r"the " + MODEL + r" \((" + V + r")(, which learned the task too)?\)", m.group(4)):
                cell = self._cell(other.group(1))
                base = r.baseline_accuracy(cell)
                if base is None or not pct_close(other.group(2), base):
                    problems.append(f"{other.group(1)}: {other.group(2)} is not {base}")
                    continue
                if acc is not None and not (acc > base and r.apart(acc, base, cell)):
                    problems.append(f"{other.group(1)} at {base} is not clearly behind {acc}")
                if other.group(3):
                    learned_too = True
                    if r.share_of_way(base) < 0.5:
                        problems.append(f"{other.group(1)} at {base} did not learn the task")
            if not learned_too:
                problems.append("no baseline said to have learned the task too")
            self.claim("aim", s, not problems, "; ".join(problems))
        if s.startswith("This run does not show the aim: training diverged"):
            self.claim("aim", s, r.diverged(), f"stopped {r.stopped}, test {acc}")
        m = re.match(r"This run does not show the aim: the " + MODEL + r" (stayed at chance|learned only part of the task)"
                     r" \((" + V + r")\)", s)
        if m:
            ok = acc is not None and pct_close(m.group(3), acc) and (
                r.at_chance(acc) if m.group(2) == "stayed at chance" else r.clearly_above_chance(acc))
            self.claim("aim", s, ok, f"test accuracy {acc}, chance {r.floor} + {r.margin:.4f}")

    def problems(self, s: str) -> None:
        r = self.r
        m = re.match(r"The run diverged: the loss became (\S+) at epoch (\d+), batch (\d+)", s)
        if m:
            self._diverged(s, m.group(1), int(m.group(2)), int(m.group(3)))
        m = re.match(r"The " + MODEL + r" (stayed at chance|learned only part of the task) \((" + V +
                     r")(?: on the test set| test accuracy)\)", s)
        if m:
            acc = r.test_accuracy
            ok = acc is not None and pct_close(m.group(3), acc) and (
                r.at_chance(acc) if m.group(2) == "stayed at chance" else r.clearly_above_chance(acc))
            self.claim("test outcome", s, ok, f"test accuracy {acc}, chance {r.floor} + {r.margin:.4f}")
        m = re.match(r"The " + MODEL + r" baseline beat the " + MODEL + r" by (" + V + r" percentage points)", s)
        if m:
            base, acc = r.baseline_accuracy(self._cell(m.group(1))), r.test_accuracy
            ok = base is not None and acc is not None and points_close(m.group(3), base - acc) and base > acc
            self.claim("baseline comparison", s, ok, f"{base} against {acc}")
        m = re.match(r"The model overfitted from epoch (\d+)\.", s)
        if m:
            lowest, val = self._lowest_val()
            train = r.curve("loss")
            b = int(m.group(1)) - 1
            ok = (lowest is not None and 1 <= b < len(val) and r4(val[b - 1]) == lowest and step(val[b - 1], val[-1]) > 0
                  and None not in train and step(train[b - 1], train[-1]) < 0)
            self.claim("overfitting", s, ok, f"validation loss {val}, training loss {train}")
        if s.startswith("The model was still improving when training stopped"):
            val, train = r.curve("val_loss"), r.curve("loss")
            ok = (len(val) >= 2 and None not in val and None not in train and r4(val[-1]) == min(r4(v) for v in val)
                  and step(val[-2], val[-1]) < 0 and step(train[-2], train[-1]) < 0)
            self.claim("end state", s, ok, f"validation loss {val}, training loss {train}")
        # Causes named in the diagnosis.
        m = re.search(r"the test used the weights of epoch (\d+), not those of epoch (\d+), where the validation loss was lowest", s)
        if m:
            lowest, val = self._lowest_val()
            n, b = int(m.group(1)), int(m.group(2))
            ok = lowest is not None and n == len(val) and r4(val[b - 1]) == lowest and b != n
            self.claim("lowest validation loss", s, ok, f"validation loss {val}")
        m = re.search(N + r" epochs? were not enough: the loss was still falling at the last one", s)
        if m:
            val = r.curve("val_loss")
            c = val if val and None not in val else r.curve("loss")
            ok = len(c) >= 2 and None not in c[-2:] and step(c[-2], c[-1]) < 0
            self.claim("end state", s, ok, f"last values {c[-2:]}")

    def gap(self, s: str) -> None:
        r = self.r
        m = re.match(r"At the last epoch (?:the model did better on (its training data|the validation data) than on "
                     r"(?:the validation data|its training data)|training and validation were close)\W+accuracy (" + V +
                     r") (?:against|and) (" + V + r"), loss (" + V + r") (?:against|and) (" + V + r")", s)
        single = re.match(r"After its single epoch the training accuracy was (" + V + r") and the validation accuracy (" +
                          V + r") \(loss (" + V + r") and (" + V + r")\), but the two do not compare", s)
        if single:
            pairs = zip(single.groups(), ("accuracy", "val_accuracy", "loss", "val_loss"))
            problems = [f"{p} is not {self.shown(c, 1)}" for p, c in pairs
                        if not printed_matches(p, r.value(c, 1), "share" if kind_of(c) == "accuracy" else "loss")]
            if r.n_epochs != 1:
                problems.append(f"the run has {r.n_epochs} epochs, not one")
            self.claim("generalisation gap", s, not problems, "; ".join(problems))
            return
        chance = re.match(r"At the last epoch the training accuracy was (" + V + r") and the validation accuracy (" + V +
                          r") \(loss (" + V + r") and (" + V + r")\): the model is at chance on the test set and its training "
                          r"accuracy is below (" + V + r"), the least that a one-sided binomial test tells from the training "
                          r"split's own chance level", s)
        if chance:
            n = r.n_epochs
            pairs = zip(chance.groups()[:4], ("accuracy", "val_accuracy", "loss", "val_loss"))
            problems = [f"{p} is not {self.shown(c, n)}" for p, c in pairs
                        if not printed_matches(p, r.value(c, n), "share" if kind_of(c) == "accuracy" else "loss")]
            if not r.at_chance(r.test_accuracy):
                problems.append(f"the test accuracy {r.test_accuracy} is not at chance")
            counts = ((r.raw.get("dataset") or {}).get("class_counts") or {}).get("train") or {}
            total = sum(counts.values())
            floor = max(r.uniform or 0, max(counts.values()) / total if total else 0) or None
            critical = binomial_critical(total, floor)
            if critical is None or not pct_close(chance.group(5), critical):
                problems.append(f"{chance.group(5)} is not the training split's binomial threshold {critical}")
            elif r.value("accuracy", n) is None or r.value("accuracy", n) >= critical:
                problems.append(f"the training accuracy {r.value('accuracy', n)} is not below {critical}")
            self.claim("generalisation gap", s, not problems, "; ".join(problems))
            return
        if not m:
            return
        n = r.n_epochs
        which = m.group(1)
        # The printed order: training first, except where validation did better.
        if which == "the validation data":
            pairs = ((m.group(2), "val_accuracy"), (m.group(3), "accuracy"), (m.group(4), "val_loss"), (m.group(5), "loss"))
        else:
            pairs = ((m.group(2), "accuracy"), (m.group(3), "val_accuracy"), (m.group(4), "loss"), (m.group(5), "val_loss"))
        problems = [f"{p} is not {self.shown(c, n)}" for p, c in pairs if not printed_matches(p, r.value(c, n), "share"
                                                                                               if kind_of(c) == "accuracy" else "loss")]
        a, va, l, vl = (r.value(c, n) for c in ("accuracy", "val_accuracy", "loss", "val_loss"))
        if not problems and None not in (a, va, l, vl):
            if which == "its training data" and not (a > va or vl > l):
                problems.append("the model did not do better on its training data")
            if which == "the validation data" and not (va > a or l > vl):
                problems.append("the model did not do better on the validation data")
            if which is None and (abs(a - va) > 0.05 or abs(l - vl) > 0.25 * max(l, vl) + 0.02):
                problems.append("training and validation are not close")
        self.claim("generalisation gap", s, not problems, "; ".join(problems))

    def stopping(self, s: str) -> None:
        """Where a diverged run stopped: 'it stopped in epoch 3, at batch 17', 'The loss became NaN in epoch 3'."""
        r = self.r
        m = re.search(r"Training was planned for " + N + r" epochs? of " + N + r" batch(?:es)? each", s)
        if m:
            planned = ((r.raw.get("spec") or {}).get("training") or {}).get("epochs")
            per_epoch = (r.raw.get("batch_history") or {}).get("batches_per_epoch")
            ok = integer(m.group(1)) == planned and (per_epoch is None or integer(m.group(2)) == per_epoch)
            self.claim("epochs", s, ok, f"training.epochs {planned}, {per_epoch} batches per epoch")
        for m in re.finditer(r"\bstopped in epoch (\d+)(?:, at batch (\d+))?", s):
            ok = r.stopped.get("reason") == "nan_loss" and r.stopped.get("epoch") == int(m.group(1)) and (
                m.group(2) is None or r.stopped.get("batch") == int(m.group(2)))
            self.claim("diverged", s, ok, f"the record's stopped is {r.stopped}")
        for m in re.finditer(r"\b[Tt]he loss became (NaN|infinite|inf) in epoch (\d+)", s):
            ok = (r.stopped.get("reason") == "nan_loss" and r.stopped.get("epoch") == int(m.group(2))
                  and str(r.stopped.get("value", "NaN")).lower() == m.group(1).lower())
            self.claim("diverged", s, ok, f"the record's stopped is {r.stopped}")

    # "From epoch 4 the validation loss rose while the training loss kept falling[: 5,452 weights can memorise 3,200
    # training sequences]."
    def rose_while_falling(self, s: str) -> None:
        m = re.match(r"From epoch (\d+) the validation loss rose while the training loss kept falling(?:: " + N +
                     r" weights can memorise " + N + r" training sequences)?", s)
        if not m:
            return
        lowest, val = self._lowest_val()
        train = self.r.curve("loss")
        k = int(m.group(1))
        problems = []
        if lowest is None or None in train or not 2 <= k <= len(val):
            problems.append(f"validation loss {val}")
        else:
            if r4(val[k - 2]) != lowest:
                problems.append(f"the validation loss was lowest at {lowest}, not at epoch {k - 1} ({r4(val[k - 2])})")
            if step(val[k - 2], val[-1]) <= 0:
                problems.append(f"the validation loss did not rise after epoch {k - 1}")
            if step(train[k - 2], train[-1]) >= 0:
                problems.append(f"the training loss did not fall after epoch {k - 1}")
        if m.group(2):
            params = (self.r.raw.get("model") or {}).get("total_params")
            train_size = ((self.r.raw.get("dataset") or {}).get("sizes") or {}).get("train")
            if integer(m.group(2)) != params or integer(m.group(3)) != train_size:
                problems.append(f"the model has {params} weights and {train_size} training sequences")
        self.claim("overfitting", s, not problems, "; ".join(problems))

    def training_ran(self, s: str) -> None:
        m = re.match(r"Training ran " + N + r" epochs? of " + N + r" batch(?:es)? each", s)
        if m:
            r = self.r
            said_epochs, said_batches = integer(m.group(1)), integer(m.group(2))
            per_epoch = (r.raw.get("batch_history") or {}).get("batches_per_epoch")
            problems = []
            if said_epochs != r.n_epochs:
                problems.append(f"the history has {r.n_epochs} epochs")
            if per_epoch is not None and said_batches != per_epoch:
                problems.append(f"an epoch has {per_epoch} batches")
            if r.stopped.get("reason") == "nan_loss" and per_epoch and r.stopped.get("batch", per_epoch) < per_epoch:
                problems.append(f"training stopped at batch {r.stopped['batch']} of epoch {r.stopped.get('epoch')}, "
                                "so not every epoch had all its batches")
            self.claim("epochs", s, not problems, "; ".join(problems))
        m = re.match(r"Training stopped at batch (\d+) of epoch (\d+) \(an epoch has " + N + r" batch(?:es)?\), when the "
                     r"loss became (\S+?);", s)
        if m:
            self._diverged(s, m.group(4), int(m.group(2)), int(m.group(1)))
            per_epoch = (self.r.raw.get("batch_history") or {}).get("batches_per_epoch")
            self.claim("epochs", s, per_epoch is None or integer(m.group(3)) == per_epoch,
                       f"an epoch has {per_epoch} batches")
        if s.startswith("Training diverged"):
            self.claim("diverged", s, self.r.diverged(), f"stopped {self.r.stopped}, test {self.r.test_accuracy}")

    # "In the last epoch the per-batch losses had a standard deviation of D, P of their mean (M)." (earlier: "varied
    # by P of their mean (M)"); the standard deviation with n or n - 1.
    def batch_noise(self, s: str) -> None:
        m = re.search(r"In the last epoch the per-batch losses (?:varied by|had a standard deviation of (" + V + r"),) (" +
                      V + r") of their mean \((" + V + r")\)", s)
        if not m:
            return
        said_sd = m.group(1)
        m = re.search(r"(" + V + r") of their mean \((" + V + r")\)", s[m.start(2):])
        batches = self.r.raw.get("batch_history") or {}
        epochs, losses = batches.get("epoch") or [], [as_float(v) for v in batches.get("loss") or []]
        last = max(epochs) if epochs else None
        values = [v for e, v in zip(epochs, losses) if e == last and v is not None]
        problems = []
        if len(values) < 2:
            problems.append(f"{len(values)} finite batch losses in the last epoch")
        else:
            mean = sum(values) / len(values)
            population = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) / mean
            sample = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) / mean
            if not printed_matches(m.group(2), mean, "loss"):
                problems.append(f"mean {m.group(2)} is not {mean}")
            if not (pct_close(m.group(1), population) or pct_close(m.group(1), sample)):
                problems.append(f"variation {m.group(1)} is not {population:.4%} (or {sample:.4%})")
            if said_sd is not None and not any(printed_matches(said_sd, cv * mean, "loss") for cv in (population, sample)):
                problems.append(f"standard deviation {said_sd} is not {population * mean} (or {sample * mean})")
        self.claim("batch noise", s, not problems, "; ".join(problems))

    # The outcome words wherever they stand ("The LSTM did not learn the task, so its gates ...",
    # "the SimpleRNN stayed at chance"): about the main model or the baseline they name.
    OUTCOME_WORDS = re.compile(r"\b(LSTM|GRU|SimpleRNN)(?:'s)? (did not learn the task|learned the task|"
                               r"learned (?:only )?part of the task|stayed at chance|never left chance)")

    def outcome_words(self, s: str) -> None:
        r = self.r
        for m in self.OUTCOME_WORDS.finditer(s):
            cell = CELL_WORDS[m.group(1)]
            if cell == r.main_cell:
                accuracy, diverged = r.test_accuracy, r.diverged()
            elif cell in r.baselines:
                accuracy = r.baseline_accuracy(cell)
                diverged = accuracy is None
            else:
                self.claim("outcome words", s, False, f"the run has no {m.group(1)}")
                continue
            words = m.group(2)
            if words == "did not learn the task":
                ok = diverged or not r.clearly_above_chance(accuracy)
            elif words == "learned the task":
                ok = r.clearly_above_chance(accuracy) and r.share_of_way(accuracy) >= 0.5
            elif words.startswith("learned"):
                ok = r.clearly_above_chance(accuracy) and r.share_of_way(accuracy) < 0.9
            else:
                ok = r.at_chance(accuracy)
            self.claim("outcome words", s, ok, f"the {m.group(1)} '{words}', but its test accuracy is {accuracy} "
                       f"(chance {r.floor} + {r.margin:.4f}; {r.share_of_way(accuracy or 0):.1%} of the way to 100 %)")

    # "(training.epochs: 3 instead of 12)": the value after "instead of" is the setting in the spec, and a
    # suggested setting ("(training.clipnorm: 1)", "(model.recurrent[0].forget_bias: 3, ...)") is a change from it.
    SETTING = re.compile(r"\b((?:dataset|model|training|report)(?:\.[a-z_]+|\[\d+\])+): ([\w.+-]+(?:,\d{3})*)"
                         r"(?: instead of ([\w.+-]+(?:,\d{3})*))?(?=[,;)])")

    def _spec_value(self, path: str):
        value = self.r.raw.get("spec") or {}
        for part in re.findall(r"[a-z_]+|\[\d+\]", path):
            if isinstance(value, list) and part.startswith("["):
                index = int(part[1:-1])
                value = value[index] if index < len(value) else None
            elif isinstance(value, dict):
                value = value.get(part)
            else:
                return None
        return value

    @staticmethod
    def _same(said: str, value) -> bool:
        said = said.replace(",", "")
        if as_float(said) is not None and as_float(value) is not None:
            return math.isclose(float(said), float(value), rel_tol=1e-9)
        return str(value) == said

    def settings(self, s: str) -> None:
        for m in self.SETTING.finditer(s):
            path, suggested, current = m.group(1), m.group(2), m.group(3)
            value = self._spec_value(path)
            if current is not None:
                self.claim("setting", s, self._same(current, value), f"{path} is {value!r} in the spec, not {current}")
            if path == "training.clipnorm" and re.search(r"[Cc]lip the gradient", s):
                training = (self.r.raw.get("spec") or {}).get("training") or {}
                lr, norm = as_float(training.get("learning_rate")), as_float(suggested)
                bound = (lr * norm if training.get("optimizer") == "sgd" else lr) if lr is not None and norm else None
                self.claim("setting", s, bound is None or bound <= 1,
                           f"clipping to {suggested} leaves a step of up to {bound:g} at learning rate {lr:g}: "
                           "clipping cannot tame it" if bound is not None else "")
            if re.search(r"(To try next|instead of|[Uu]se |[Ll]ower |[Rr]aise |[Ss]top |[Cc]lip |[Ss]tart )", s):
                self.claim("setting", s, value is None or not self._same(suggested, value),
                           f"suggests {path}: {suggested}, which is already the spec's setting ({value!r})")

    # "the forget gate starts at σ(3) = 0.953 per step, which keeps 0.31 % of the signal over the 119-step lag", or
    # "the forget-gate bias starts at 3: with Wf·[ht−1, xt] at zero the gate would be σ(3) = 0.953 per step, which ..."
    def forget_gate(self, s: str) -> None:
        m = re.search(r"(?:the forget gate starts at|the forget-gate bias starts at [\d.e+-]+: with Wf·\[ht−1, xt\] at "
                      r"zero the gate would be) σ\(([\d.e+-]+)\) = ([\d.]+) per step, which keeps (" + V +
                      r"|[\d.]+ × 10\S+) of the signal over the (\d+)-step lag", s)
        if not m:
            return
        bias, gate, kept, lag = float(m.group(1)), float(m.group(2)), m.group(3), int(m.group(4))
        layer = self._spec_value("model.recurrent[0]") or {}
        sigma = 1 / (1 + math.exp(-bias))
        problems = []
        if not self._same(m.group(1), layer.get("forget_bias", 1.0)):
            problems.append(f"the spec's forget_bias is {layer.get('forget_bias', 1.0)!r}")
        if abs(gate - sigma) > 0.5 * 10 ** -_decimals(m.group(2)) + 1e-12:
            problems.append(f"σ({bias:g}) = {sigma:.6f}")
        if lag != (self.r.raw.get("dataset") or {}).get("min_lag"):
            problems.append(f"the data's lag is {(self.r.raw.get('dataset') or {}).get('min_lag')}")
        if kept.endswith("%") and not pct_close(kept, sigma ** lag):
            problems.append(f"σ^{lag} = {sigma ** lag:.6f}")
        self.claim("forget gate", s, not problems, "; ".join(problems))

    # -- mechanisms: the followed unit, read from run.json's gate traces with this module's own arithmetic.
    def _gates(self) -> dict:
        return ((self.r.raw.get("diagnostics") or {}).get("gates")) or {}

    def _unit_steps(self):
        """Per recorded sequence: (tokens, important steps, the unit's input gate, |C_t - C_t-1| per step)."""
        out = []
        for seq in self._gates().get("sequences") or []:
            cell = seq.get("unit_cell_state") or []
            change = [abs(c - (cell[t - 1] if t else 0.0)) for t, c in enumerate(cell)]
            out.append((seq.get("tokens") or [], seq.get("important_steps") or [], seq.get("unit_input_gate") or [],
                        change))
        return out

    @staticmethod
    def _range_ok(printed: str, values: list) -> bool:
        """'a–b' (or one number) printed with d decimals is the min and max of ``values``, rounded."""
        parts = printed.split("–")
        if not values:
            return False
        lows, highs = float(parts[0]), float(parts[-1])
        tolerance = 0.5 * 10 ** -_decimals(parts[0]) + 1e-9
        return abs(lows - min(values)) <= tolerance and abs(highs - max(values)) <= tolerance

    def unit_claims(self, s: str) -> None:
        """The gate sentences: per-symbol input gates and writes, the drift over the unimportant steps,
        "barely touched by the rest", units that open, the forget gate before training."""
        traces = self._unit_steps()
        summary, initial = self._gates().get("summary") or {}, self._gates().get("initial_summary")
        R = r"(-?\d+\.\d+(?:–-?\d+\.\d+)?)"
        if "spread over several units" in s:
            self.claim("unit", s, False, "no unit but the followed one was examined")
        if "barely touched by the rest" in s:
            bad = [k for k, (_, steps, _, change) in enumerate(traces)
                   if sum(change[t] for t in range(len(change)) if t not in steps) >= sum(change[t] for t in steps)]
            self.claim("unit", s, not bad and bool(traces),
                       f"sequences {bad} drift more over their unimportant steps than at the important ones")
        for symbol, printed in re.findall(r"at (\w+) it is " + R + r" \(", s):
            values = [gate[t] for tokens, steps, gate, _ in traces for t in steps if str(tokens[t]) == symbol]
            self.claim("unit", s, self._range_ok(printed, values),
                       f"the input gate at {symbol} is {min(values, default=None)}–{max(values, default=None)}")
        for symbol, printed in re.findall(r"at (\w+) by " + R, s):
            values = [change[t] for tokens, steps, _, change in traces for t in steps if str(tokens[t]) == symbol]
            self.claim("unit", s, self._range_ok(printed, values), f"the cell's change at {symbol}")
        m = re.search(r"the cell drifts by " + R + r", more than the " + R + r" it moves at the important tasks in "
                      r"(?:every one of the (\d+)|(\d+) of the (\d+)) sequences", s)
        if m:
            drift = [sum(c[t] for t in range(len(c)) if t not in steps) for _, steps, _, c in traces]
            written = [sum(c[t] for t in steps) for _, steps, _, c in traces]
            more = sum(d > w for d, w in zip(drift, written))
            count_ok = (more == len(traces) == int(m.group(3))) if m.group(3) else (
                more == int(m.group(4)) and len(traces) == int(m.group(5)))
            self.claim("unit", s, self._range_ok(m.group(1), drift) and self._range_ok(m.group(2), written) and count_ok,
                       f"drift {min(drift):.3f}–{max(drift):.3f}, written {min(written):.3f}–{max(written):.3f}, "
                       f"{more} of {len(traces)} drift more")
        said = re.search(r"(None|Only 1|\d+) of the (\d+) units open", s)
        if said:
            count = {"None": 0, "Only 1": 1}.get(said.group(1)) if said.group(1) in ("None", "Only 1") else int(said.group(1))
            self.claim("unit", s, count == summary.get("units_opening_at_important")
                       and int(said.group(2)) == self._gates().get("units"),
                       f"run.json counts {summary.get('units_opening_at_important')} of {self._gates().get('units')}")
        m = re.search(r"Before training, on the same sequences, this forget gate (?:already )?averaged ([\d.]+)", s)
        if m:
            before = (initial or {}).get("unit_forget_gate_after_first_important")
            self.claim("unit", s, before is not None and abs(float(m.group(1)) - before) <= 0.5 * 10 ** -_decimals(m.group(1)),
                       f"run.json's gate before training is {before}")
        if "does not hold the gates before training" in s:
            self.claim("unit", s, not (initial or {}).get("available"), "run.json holds them (initial_summary)")

    def gradient_claims(self, s: str) -> None:
        """"within a factor of ten" of two first/last ratios; how far apart the curves lie; the windows' rises."""
        norms = (self.r.raw.get("diagnostics") or {}).get("gradient_norms") or {}
        m = re.search(r"(At these initial weights|With the trained weights) the two ratios are (still )?within a "
                      r"factor of ten", s)

        def within_ten(phase: dict) -> bool:
            lstm, rnn = phase.get("lstm") or [], phase.get("simple_rnn") or []
            ok = bool(lstm and rnn and lstm[-1] > 0 and rnn[-1] > 0 and lstm[0] > 0 and rnn[0] > 0)
            if ok:
                a, b = lstm[0] / lstm[-1], rnn[0] / rnn[-1]
                ok = max(a, b) / min(a, b) < 10
            return ok
        if m:
            phase = norms.get("initial" if m.group(1).startswith("At") else "trained") or {}
            ok = within_ten(phase)
            # "still": they were within a factor of ten at the initial weights too.
            if m.group(2) and not within_ten(norms.get("initial") or {}):
                ok = False
            self.claim("gradients", s, ok, "the first/last ratios are ten or more times apart (or were, before training)")
        m = re.search(r"(At the initial weights|With the trained weights) the two curves lie far apart: at every step "
                      r"the (SimpleRNN|LSTM)'s gradient is ([\d.]+ × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|[\d.,]+)× to "
                      r"([\d.]+ × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|[\d.,]+)× the (?:LSTM|SimpleRNN)'s"
                      r"(?: \(median ([\d.]+ × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|[\d.,]+)×\))?", s)
        if m:
            phase = norms.get("initial" if m.group(1).startswith("At") else "trained") or {}
            lstm, rnn = phase.get("lstm") or [], phase.get("simple_rnn") or []
            top, bottom = (rnn, lstm) if m.group(2) == "SimpleRNN" else (lstm, rnn)
            q = [a / b for a, b in zip(top, bottom) if b > 0]
            low, high = _factor_value(m.group(3)), _factor_value(m.group(4))
            ok = bool(q) and min(q) >= 10 and abs(min(q) - low) <= 0.05 * low + 0.5 and abs(max(q) - high) <= 0.05 * high + 0.5
            # "median": of the step-by-step quotients themselves (not one curve's median over the other's).
            median = statistics.median(q) if q else None
            if m.group(5):
                ok = ok and median is not None and abs(_factor_value(m.group(5)) - median) <= 0.05 * median + 0.5
            self.claim("gradients", s, ok, f"step by step {min(q, default=0):.3g} to {max(q, default=0):.3g}, "
                                           f"median {median or 0:.3g}")
        self.gradient_readings(s, norms)
        m = re.search(r"over its mean at as many steps just before and after the window, is with the trained weights (.*)", s)
        if m:
            windows = (self.r.raw.get("dataset") or {}).get("important_windows") or []
            inside = {t for lo, hi in windows for t in range(lo, hi + 1)}
            for printed, title, printed_initial in re.findall(
                    r"((?:\d+\.\d+× and )*\d+\.\d+×) for the (LSTM|SimpleRNN|GRU) \([^;)]*; at the initial weights "
                    r"((?:\d+\.\d+× and )*\d+\.\d+×)", m.group(1)):
                cell = {"LSTM": "lstm", "SimpleRNN": "simple_rnn", "GRU": "gru"}[title]
                for phase, text in (("trained", printed), ("initial", printed_initial)):
                    values = (norms.get(phase) or {}).get(cell) or []
                    said = [float(x) for x in re.findall(r"(\d+\.\d+)×", text)]
                    ratios = []
                    for lo, hi in windows:
                        width = hi - lo + 1
                        around = [t for t in [*range(max(0, lo - width), lo), *range(hi + 1, min(len(values), hi + 1 + width))]
                                  if t not in inside]
                        base = sum(values[t] for t in around) / len(around) if around else 0
                        ratios.append(sum(values[lo:hi + 1]) / width / base if base else math.nan)
                    self.claim("gradients", s, len(said) == len(ratios) and all(abs(a - b) <= 0.005 + 1e-9
                                                                                  for a, b in zip(said, ratios)),
                               f"the {title}'s {phase} window ratios are {[round(r, 3) for r in ratios]}")

    def gradient_readings(self, s: str, norms: dict) -> None:
        """Which cell keeps more of the error signal at the early steps, at the initial and the trained weights
        (ten times the other's first/last ratio or more, or the other's underflowed), and whether the plain
        RNN's own signal fades (first/last below 0.5)."""
        def ratio(phase: str, cell: str):
            values = (norms.get(phase) or {}).get(cell) or []
            return values[0] / values[-1] if len(values) >= 2 and values[-1] > 0 else None

        def keeps_more(phase: str):
            a, b = ratio(phase, "lstm"), ratio(phase, "simple_rnn")
            if a is None or b is None:
                return None
            return (b < 1e-30 <= a) or (b > 0 and a >= 1e-30 and a / b >= 10)
        initial, trained = keeps_more("initial"), keeps_more("trained")
        better = re.search(r"reach the early steps better in the LSTM than in the SimpleRNN|keep more of the error signal "
                           r"at the early steps, relative to the last step, in the LSTM than in the SimpleRNN", s)
        if better and "both at the initial weights" in s:
            self.claim("gradients", s, initial is True and trained is True, f"initial {initial}, trained {trained}")
        elif better and "did not measure them with the trained weights" in s:
            self.claim("gradients", s, initial is True and trained is None, f"initial {initial}, trained {trained}")
        elif better:
            self.claim("gradients", s, initial is True, f"initial {initial}")
        if re.search(r"LSTM kept more of the error signal at the early steps than the SimpleRNN only at the initial", s):
            self.claim("gradients", s, initial is True and trained is False, f"initial {initial}, trained {trained}")
        m = re.search(r"did not keep more of the error signal at the early steps than the SimpleRNN at the initial "
                      r"weights.*but with the trained weights it did(?:: its first step receives (" + V + r")× as much)?", s)
        if m:
            ok = initial is False and trained is True
            if m.group(1):
                a, b = ratio("trained", "lstm"), ratio("trained", "simple_rnn")
                ok = ok and bool(b) and abs(_factor_value(m.group(1)) - a / b) <= 0.05 * a / b
            self.claim("gradients", s, ok, f"initial {initial}, trained {trained}")
        if re.search(r"did not keep more of the error signal at the early steps than the SimpleRNN, at the initial "
                     r"weights.* or with the trained weights", s):
            self.claim("gradients", s, initial is False and trained is False, f"initial {initial}, trained {trained}")
        if "measured at the initial weights" in s and "only, the LSTM did not keep more" in s:
            self.claim("gradients", s, initial is False and trained is None, f"initial {initial}, trained {trained}")
        if "at every step the SimpleRNN's gradient is the larger" in s:
            phase = norms.get("trained") or {}
            pairs = list(zip(phase.get("lstm") or [], phase.get("simple_rnn") or []))
            self.claim("gradients", s, bool(pairs) and all(b > a for a, b in pairs), "trained SimpleRNN > LSTM at every step")
        rnn = ratio("initial", "simple_rnn")
        if "the plain RNN's signal fades on its way back" in s:
            self.claim("gradients", s, rnn is not None and rnn < 0.5, f"the SimpleRNN's initial first/last is {rnn}")
        if "the plain RNN's signal did not fade on its way back" in s:
            self.claim("gradients", s, rnn is not None and rnn >= 0.5, f"the SimpleRNN's initial first/last is {rnn}")

    def final_cell_claims(self, s: str) -> None:
        """Does the followed unit's cell state at the last step tell the first important task apart (the two
        groups of final values, by the first important symbol, do not overlap)?  What its forget gate keeps."""
        groups: dict = {}
        for seq in self._gates().get("sequences") or []:
            steps, tokens, cell = seq.get("important_steps") or [], seq.get("tokens") or [], seq.get("unit_cell_state") or []
            if steps and cell and steps[0] < len(tokens):
                groups.setdefault(str(tokens[steps[0]]), []).append(cell[-1])
        values = list(groups.values())
        separated = len(values) == 2 and (min(values[0]) > max(values[1]) or min(values[1]) > max(values[0]))
        if "its final state still tells the first important task apart" in s:
            self.claim("unit", s, separated, f"final cell states by first task {groups}")
        if "does not hold the first one to the end (its cell state at the last step does not tell it apart" in s:
            self.claim("unit", s, len(values) == 2 and not separated, f"final cell states by first task {groups}")
        m = re.search(r"its forget gate keeps (" + V + r") over the lag", s)
        if m:
            forget = (self._gates().get("summary") or {}).get("unit_forget_gate_after_first_important")
            lag = (self.r.raw.get("dataset") or {}).get("min_lag")
            self.claim("unit", s, forget is not None and bool(lag) and pct_close(m.group(1), forget ** lag),
                       f"forget gate {forget} over {lag} steps")

    def smoothing_claims(self, s: str) -> None:
        """"no smoothed line: with N epochs, fewer than the M a smoothed line is drawn for"."""
        m = re.search(r"no smoothed line: with (\d+) epochs?, fewer than the (\d+)", s)
        if m:
            n, least = int(m.group(1)), int(m.group(2))
            self.claim("smoothing", s, n == self.r.n_epochs and n < least, f"the run has {self.r.n_epochs} epochs")

    # "Stop at epoch 3 (or with early stopping ...)", "stop at the best epoch (training.epochs: 3 instead of ...)".
    def stop_at(self, s: str) -> None:
        for m in re.finditer(r"(?:Stop at epoch (\d+) \(or with early stopping|stop at the best epoch \(training\.epochs: (\d+))", s):
            epoch = int(m.group(1) or m.group(2))
            lowest, val = self._lowest_val()
            ok = lowest is not None and 1 <= epoch <= len(val) and r4(val[epoch - 1]) == lowest
            self.claim("lowest validation loss", s, ok, f"epoch {epoch}; validation loss {val}")

    # Early stopping and best-epoch weights (Keras' EarlyStopping rule, read here from the raw curve): epoch b is
    # "the best by" a curve when its value beats every earlier one and no later epoch beats it by more than the
    # spec's training.early_stopping.min_delta; training "stopped early after epoch e" when e is the last epoch,
    # fewer than planned, and e - b = max(patience, 1).
    def _stopping_spec(self) -> dict:
        return ((self.r.raw.get("spec") or {}).get("training") or {}).get("early_stopping") or {}

    def _best_by(self, curve: str, epoch: int) -> bool:
        values = self.r.curve(curve)
        if not 1 <= epoch <= len(values) or values[epoch - 1] is None:
            return False
        v, delta = values[epoch - 1], float(self._stopping_spec().get("min_delta") or 0.0)
        higher = kind_of(curve) == "accuracy"
        earlier = [x for x in values[:epoch - 1] if x is not None]
        later = [x for x in values[epoch:] if x is not None]
        if higher:
            return all(v > x for x in earlier) and not any(x - delta > v for x in later)
        return all(v < x for x in earlier) and not any(x + delta < v for x in later)

    def _evaluated_epoch(self):
        return self.r.raw.get("evaluated_epoch") or self.r.n_epochs

    def early_stopping(self, s: str) -> None:
        r, raw = self.r, self.r.raw
        restored = bool(raw.get("restored_best_weights"))
        m = re.search(r"evaluated once, with the weights of epoch (\d+), the best by the " + CURVE + r"(?: \((" + V +
                      r")\))?, restored at the end of training in place of those of the last epoch \((\d+)\)", s)
        if m:
            b, curve, last = int(m.group(1)), CURVE_WORDS[m.group(2)], int(m.group(4))
            problems = []
            if not restored or raw.get("evaluated_epoch") != b:
                problems.append(f"restored {restored}, evaluated epoch {raw.get('evaluated_epoch')}")
            if not self._best_by(curve, b):
                problems.append(f"epoch {b} is not the best by the {m.group(2)}: {r.curve(curve)}")
            if m.group(3) and not self.value_ok(m.group(3), curve, b):
                problems.append(f"{m.group(3)} is not {self.shown(curve, b)}")
            if last != r.n_epochs or b >= last:
                problems.append(f"the last epoch is {r.n_epochs}")
            self.claim("evaluated epoch", s, not problems, "; ".join(problems))
        m = re.search(r"evaluated once, with the weights of the last epoch \((\d+)\), which was also the best by the "
                      + CURVE + r"(?: \((" + V + r")\))?", s)
        if m:
            e, curve = int(m.group(1)), CURVE_WORDS[m.group(2)]
            ok = restored and e == r.n_epochs and self._best_by(curve, e) and (
                not m.group(3) or self.value_ok(m.group(3), curve, e))
            self.claim("evaluated epoch", s, ok, f"restored {restored}; {r.curve(curve)}")
        m = re.search(r"with the weights of the last epoch \((\d+)\), not those of the best, epoch (\d+): best-epoch "
                      r"weights were not restored", s)
        if m:
            b, monitor = int(m.group(2)), self._stopping_spec().get("monitor", "val_loss")
            ok = not restored and self._best_by(monitor, b) and b != r.n_epochs
            self.claim("evaluated epoch", s, ok, f"restored {restored}; {monitor} {r.curve(monitor)}")
        m = re.search(r"Training stopped early, after epoch (\d+) of the " + N + r" planned: the " + CURVE +
                      r" had not improved(?: by more than (" + V + r"))? on its best, at epoch (\d+), for " + N +
                      r" epochs? \(early stopping with patience (\d+)\)", s)
        if m:
            e, planned, curve = int(m.group(1)), integer(m.group(2)), CURVE_WORDS[m.group(3)]
            b, k, patience = int(m.group(5)), integer(m.group(6)), int(m.group(7))
            spec = self._stopping_spec()
            problems = []
            if r.stopped.get("reason") != "early_stopping" or r.stopped.get("epoch") != e or e != r.n_epochs:
                problems.append(f"the record's stopped is {r.stopped}, {r.n_epochs} epochs")
            if planned != ((raw.get("spec") or {}).get("training") or {}).get("epochs") or e >= planned:
                problems.append(f"{planned} planned")
            if spec.get("monitor") != curve or spec.get("patience") != patience:
                problems.append(f"the spec's early_stopping is {spec}")
            if m.group(4) and not self._same(m.group(4), spec.get("min_delta")):
                problems.append(f"min_delta {m.group(4)}")
            if not self._best_by(curve, b):
                problems.append(f"epoch {b} is not the best by the {m.group(3)}: {r.curve(curve)}")
            if k != e - b or k != max(patience, 1):
                problems.append(f"{k} epochs from {b} to {e} with patience {patience}")
            self.claim("early stopping", s, not problems, "; ".join(problems))
        m = re.search(r"Early stopping \(patience (\d+) on the " + CURVE + r"\) did not end training early: it ran "
                      r"(?:all " + N + r" epochs|(both) epochs|its (only) epoch)", s)
        if m:
            spec = self._stopping_spec()
            planned = ((raw.get("spec") or {}).get("training") or {}).get("epochs")
            said = integer(m.group(3)) if m.group(3) else (2 if m.group(4) else 1)
            ok = (r.stopped.get("reason", "completed") == "completed" and said == r.n_epochs == planned
                  and (m.group(3) is None or said > 2)  # "all 1 epoch" / "all 2 epochs" read "its only" / "both"
                  and spec.get("patience") == int(m.group(1)) and spec.get("monitor") == CURVE_WORDS[m.group(2)])
            self.claim("early stopping", s, ok, f"stopped {r.stopped}, {r.n_epochs} of {planned} epochs, spec {spec}")
        m = re.search(r"the dotted vertical line marks epoch (\d+), whose weights were evaluated on the test set"
                      r"(?:: (the best epoch by the " + CURVE + r"|the last epoch, and the best by the " + CURVE +
                      r"|the last epoch))?", s)
        if m:
            e = int(m.group(1))
            problems = []
            if e != self._evaluated_epoch() or r.test_accuracy is None:
                problems.append(f"the evaluated epoch is {self._evaluated_epoch()}")
            which = m.group(2) or ""
            if which.startswith("the best epoch") and (not restored or not self._best_by(CURVE_WORDS[m.group(3)], e)
                                                       or e == r.n_epochs):
                problems.append(f"epoch {e} is not an earlier best epoch (restored {restored})")
            if which.startswith("the last epoch") and e != r.n_epochs:
                problems.append(f"the last epoch is {r.n_epochs}")
            if which.startswith("the last epoch, and") and not (restored and self._best_by(CURVE_WORDS[m.group(4)], e)):
                problems.append(f"epoch {e} is not the best (restored {restored})")
            dashed = re.search(r"the dashed line marks epoch (\d+), after which early stopping ended training", s)
            stop = int(dashed.group(1)) if dashed else (e if "after which early stopping ended training" in s else None)
            if stop is not None and (r.stopped.get("reason") != "early_stopping" or r.stopped.get("epoch") != stop):
                problems.append(f"the record's stopped is {r.stopped}")
            self.claim("evaluated epoch", s, not problems, "; ".join(problems))
        m = re.search(r"The test used the weights of epoch (\d+), the best by the " + CURVE +
                      r", restored at the end of training", s)
        if m:
            b = int(m.group(1))
            ok = restored and raw.get("evaluated_epoch") == b and self._best_by(CURVE_WORDS[m.group(2)], b)
            self.claim("evaluated epoch", s, ok, f"restored {restored}, evaluated {raw.get('evaluated_epoch')}")
        # The suggestion after overfitting: the epoch of the lowest validation loss, and the last one evaluated now.
        for m in re.finditer(r"which here would have (?:evaluated epoch (\d+) instead of epoch (\d+)|been epoch "
                             r"(\d+)'s instead of epoch (\d+)'s)", s):
            b, last = int(m.group(1) or m.group(3)), int(m.group(2) or m.group(4))
            lowest, val = self._lowest_val()
            ok = (not restored and lowest is not None and r4(val[b - 1]) == lowest and last == r.n_epochs
                  and self._evaluated_epoch() == last)
            self.claim("lowest validation loss", s, ok, f"epoch {b} of {val}; last {r.n_epochs}; restored {restored}")
        for m in re.finditer(r"best epoch's weights \(training\.early_stopping[^)]*\)\: the curves after epoch (\d+) "
                             r"show the overfitting", s):
            b = int(m.group(1))
            lowest, val = self._lowest_val()
            ok = not restored and lowest is not None and r4(val[b - 1]) == lowest
            self.claim("lowest validation loss", s, ok, f"epoch {b} of {val}; restored {restored}")

    # training.validation_split: 0 holds no data out: "No data was held out for validation ...".
    def no_validation(self, s: str) -> None:
        if re.search(r"no data was held out for validation \(training\.validation_split: 0\)|with no validation data",
                     s, flags=re.IGNORECASE):
            held_out = ((self.r.raw.get("dataset") or {}).get("sizes") or {}).get("validation")
            self.claim("no validation", s, held_out == 0, f"{held_out} validation sequences")

    def went_from(self, s: str) -> None:
        for m in re.finditer(r"the " + CURVE + r" went from (" + V + r") to (" + V + r")", s):
            curve = CURVE_WORDS[m.group(1)]
            # "went from ... to" needs two epochs: a one-epoch run's first and last are the same value.
            ok = (self.r.n_epochs > 1 and self.value_ok(m.group(2), curve, 1)
                  and self.value_ok(m.group(3), curve, self.r.n_epochs))
            self.claim("first and last", s, ok, f"{self.shown(curve, 1)}, {self.shown(curve, self.r.n_epochs)}")
        for m in re.finditer(r"the " + CURVE + r" averaged (" + V + r") over its only epoch", s):
            curve = CURVE_WORDS[m.group(1)]
            ok = self.r.n_epochs == 1 and self.value_ok(m.group(2), curve, 1)
            self.claim("only epoch", s, ok, f"{self.r.n_epochs} epochs, {self.shown(curve, 1)}")

    # ---- issue 25: flat curves, the baselines' overfitting, ln C, single-class predictors, references, advice
    @staticmethod
    def _rose_every_epoch(val: list, train: list, best: int) -> bool:
        """The validation loss rose at every printed step from epoch ``best`` to the last (two steps or more) while
        the training loss ended lower: the direction of overfitting, which a 'flat, no sign' sentence denies."""
        if any(v is None for v in val + train) or len(val) - best < 2:
            return False
        return all(step(val[i], val[i + 1]) > 0 for i in range(best - 1, len(val) - 1)) and step(train[best - 1],
                                                                                               train[-1]) < 0

    def _flat_ok(self, values: list) -> tuple[bool, str]:
        """'Flat': the whole range within 1 % of the mean level, or within twice the curve's scatter."""
        if len(values) < 3 or any(v is None for v in values):
            return False, f"missing values: {values}"
        spread = max(values) - min(values)
        level = sum(abs(v) for v in values) / len(values)
        noise = robust_scatter(values)
        ok = (level > 0 and spread <= 0.01 * level) or (noise is not None and spread <= 2 * noise)
        return ok, f"range {spread:.6f} against level {level:.4f} and scatter {noise}"

    def flat(self, s: str) -> None:
        m = re.match(r"The " + CURVE + r" was flat: it stayed between (" + V + r") and (" + V + r") in all (\d+) epochs, "
                     r"within (" + V + r") of its level \((" + V + r") at epoch 1, (" + V + r") at epoch (\d+)\)\.", s)
        if m:
            curve = CURVE_WORDS[m.group(1)]
            values = finite_prefix(self.r.curve(curve))
            low, high, n, share, first, last, e = (m.group(2), m.group(3), int(m.group(4)), m.group(5), m.group(6),
                                                   m.group(7), int(m.group(8)))
            problems = []
            if n != len(values) or e != n or any(v is None for v in values):
                problems.append(f"{n} epochs, the curve has {len(values)} finite: {values}")
            else:
                level = sum(abs(v) for v in values) / len(values)
                kind = kind_of(curve)
                if not printed_matches(low, min(values), kind) or not printed_matches(high, max(values), kind):
                    problems.append(f"range {low}-{high} is not {min(values)}-{max(values)}")
                if not pct_close(share, (max(values) - min(values)) / level):
                    problems.append(f"{share} is not the range over the mean level")
                if (max(values) - min(values)) > 0.01 * level:
                    problems.append("the range is more than 1 % of the level: not flat")
                if not self.value_ok(first, curve, 1) or not self.value_ok(last, curve, n):
                    problems.append(f"first/last {first}, {last}: {self.shown(curve, 1)}, {self.shown(curve, n)}")
            self.claim("flat curve", s, not problems, "; ".join(problems))
        m = re.search(r"the validation loss was flat,? \(?between (" + V + r") and (" + V + r")\)?(?: in all (\d+) epochs)?"
                      r"(?:, so no epoch stands out as (?:the|its) best)?", s, flags=re.IGNORECASE)
        if m and not s.startswith("The validation loss was flat: it stayed"):
            values = self.r.curve("val_loss")
            ok, detail = self._flat_ok(values)
            if ok and not (loss_close(m.group(1), min(values)) and loss_close(m.group(2), max(values))):
                ok, detail = False, f"range {m.group(1)}-{m.group(2)} is not {min(values)}-{max(values)}"
            if ok and m.group(3) and int(m.group(3)) != len(values):
                ok, detail = False, f"{m.group(3)} epochs, the record has {len(values)}"
            self.claim("flat curve", s, ok, detail)
        m = re.match(r"The " + CURVE + r" was flat throughout, between (" + V + r") and (" + V + r"): there was no "
                     r"improvement to continue and no best epoch to be past\.", s)
        if m:
            values = self.r.curve(CURVE_WORDS[m.group(1)])
            ok, detail = self._flat_ok(values)
            ok = ok and loss_close(m.group(2), min(values)) and loss_close(m.group(3), max(values))
            self.claim("flat curve", s, ok, detail)
        m = re.match(r"There is no sign of overfitting beyond the curve's noise: the validation loss was lowest at epoch (\d+) "
                     r"\((" + V + r")\) and ended at (" + V + r") at epoch (\d+), within twice its epoch-to-epoch scatter "
                     r"\((" + V + r")\) of that\.", s)
        if m:
            self._within_noise(s, self.r.curve("val_loss"), int(m.group(1)), m.group(2), m.group(3), int(m.group(4)),
                               m.group(5))

    def _within_noise(self, s, val, b, v, w, n, x) -> None:
        problems = []
        if any(t is None for t in val) or not val:
            problems.append(f"missing values: {val}")
        else:
            noise = robust_scatter(val)
            lowest = min(r4(t) for t in val)
            if not (1 <= b <= len(val)) or r4(val[b - 1]) != lowest or not loss_close(v, val[b - 1]):
                problems.append(f"epoch {b} ({v}) is not the lowest ({lowest})")
            if n != len(val) or not loss_close(w, val[-1]):
                problems.append(f"{w} at epoch {n} is not the last value {val[-1]}")
            if noise is None or not loss_close(x, noise):
                problems.append(f"scatter {x} is not {noise}")
            elif val[-1] - val[b - 1] > 2 * noise:
                problems.append(f"the rise {val[-1] - val[b - 1]:.4f} is more than twice the scatter {noise:.4f}")
        self.claim("overfitting", s, not problems, "; ".join(problems))

    def baseline_overfitting(self, s: str) -> None:
        m = re.match(r"The " + MODEL + r" baseline(?:'s)? ", s)
        if not m:
            return
        base = self.r.baselines.get(self._cell(m.group(1))) or {}
        history = base.get("history") or {}
        val = [as_float(v) for v in history.get("val_loss") or []]
        train = [as_float(v) for v in history.get("loss") or []]
        rest = s[m.end():]
        if not val or any(v is None for v in val + train):
            if re.match(r"(?:overfitted|validation loss|shows no sign)", rest):
                self.claim("baseline overfitting", s, False, f"the baseline's losses are missing: {val}")
            return
        lowest = min(r4(v) for v in val)
        n_epochs = len(val)

        def lowest_at(b, v):
            return 1 <= b <= n_epochs and r4(val[b - 1]) == lowest and loss_close(v, val[b - 1])

        m2 = re.match(r"overfitted from epoch (\d+): its validation loss was lowest at epoch (\d+) \((" + V + r")\) and ended "
                      r"(" + V + r") higher, at (" + V + r") at epoch (\d+), while its training loss fell from (" + V +
                      r") to (" + V + r")\.", rest)
        if m2:
            k, b, v, p, w, n, x, y = (int(m2.group(1)), int(m2.group(2)), m2.group(3), m2.group(4), m2.group(5),
                                      int(m2.group(6)), m2.group(7), m2.group(8))
            problems = []
            if k != b + 1 or n != n_epochs or not lowest_at(b, v) or not loss_close(w, val[-1]):
                problems.append(f"lowest {lowest} / last {val[-1]} / onset {k}")
            elif not pct_close(p, (val[-1] - val[b - 1]) / val[b - 1]):
                problems.append(f"rise {p}")
            if not (loss_close(x, train[b - 1]) and loss_close(y, train[-1]) and step(train[b - 1], train[-1]) < 0):
                problems.append(f"training loss {train[b - 1]} to {train[-1]}")
            noise = robust_scatter(val)
            if noise is not None and val[-1] - val[b - 1] <= 2 * noise:
                problems.append("the rise is within twice the scatter")
            self.claim("baseline overfitting", s, not problems, "; ".join(problems))
            return
        m2 = re.match(r"validation loss was lowest at epoch (\d+) \((" + V + r")\) and ended (" + V + r") above that at "
                      r"epoch (\d+)(, rising at every epoch while its training loss fell \((" + V + r") to (" + V + r")\))?: "
                      r"(more than its epoch-to-epoch scatter, but )?too small a rise to call overfitting"
                      r"(, in too few epochs to measure its scatter)?\.", rest)
        if m2:
            b, v, p, n = int(m2.group(1)), m2.group(2), m2.group(3), int(m2.group(4))
            rise = (val[-1] - val[b - 1]) / val[b - 1] if lowest_at(b, v) else None
            noise = robust_scatter(val)
            steady = rise is not None and self._rose_every_epoch(val, train, b)
            # "More than its scatter" needs a scatter (6 epochs or more); "too few epochs" needs none.
            ok = (rise is not None and n == n_epochs and pct_close(p, rise) and rise < 0.10
                  and bool(m2.group(8)) == (noise is not None) and bool(m2.group(9)) == (noise is None)
                  and (noise is None or val[-1] - val[b - 1] > 2 * noise)
                  # "rising at every epoch" exactly where it did, with the training loss's first and last values
                  and bool(m2.group(5)) == steady
                  and (not steady or (loss_close(m2.group(6), train[b - 1]) and loss_close(m2.group(7), train[-1]))))
            self.claim("baseline overfitting", s, ok, f"val {val}, scatter {noise}")
            return
        m2 = re.match(r"validation loss rose from (" + V + r") at epoch (\d+) to (" + V + r") at epoch (\d+) while its "
                      r"training loss did not fall \((" + V + r") to (" + V + r")\)", rest)
        if m2:
            v, b, w, n, x, y = m2.group(1), int(m2.group(2)), m2.group(3), int(m2.group(4)), m2.group(5), m2.group(6)
            ok = (lowest_at(b, v) and n == n_epochs and loss_close(w, val[-1]) and loss_close(x, train[b - 1])
                  and loss_close(y, train[-1]) and step(train[b - 1], train[-1]) >= 0)
            self.claim("baseline overfitting", s, ok, f"val {val}, train {train}")
            return
        m2 = re.match(r"shows no sign of overfitting beyond its noise: its validation loss was lowest at epoch (\d+) \((" + V +
                      r")\) and ended at (" + V + r"), within twice its epoch-to-epoch scatter \((" + V + r")\)\.", rest)
        if m2:
            self._within_noise(s, val, int(m2.group(1)), m2.group(2), m2.group(3), n_epochs, m2.group(4))
            return
        m2 = re.match(r"validation loss was flat, between (" + V + r") and (" + V + r"): no sign of overfitting\.", rest)
        if m2:
            ok, detail = self._flat_ok(val)
            lowest_epoch = min(range(len(val)), key=lambda i: (r4(val[i]), i)) + 1
            ok = (ok and loss_close(m2.group(1), min(val)) and loss_close(m2.group(2), max(val))
                  and not self._rose_every_epoch(val, train, lowest_epoch))
            self.claim("baseline overfitting", s, ok, detail)
            return
        m2 = re.match(r"shows no sign of overfitting: its validation loss was lowest at the last epoch, (\d+) \((" + V + r")\)",
                      rest)
        if m2:
            ok = int(m2.group(1)) == n_epochs and lowest_at(n_epochs, m2.group(2))
            self.claim("baseline overfitting", s, ok, f"val {val}")

    def uniform_guess(self, s: str) -> None:
        m = re.match(r"A uniform guess over (\d+) classes has loss ln (\d+) = (" + V + r")(?: \([^)]*\))?; the " + CURVE +
                     r" ended at (" + V + r"), (at that level|below it|above it)", s)
        if not m:
            return
        classes = len((self.r.raw.get("dataset") or {}).get("class_names") or [])
        k, k2, level, curve, last, side = (int(m.group(1)), int(m.group(2)), m.group(3), CURVE_WORDS[m.group(4)],
                                           m.group(5), m.group(6))
        values = [v for v in self.r.curve(curve) if v is not None]
        problems = []
        if k != classes or k2 != classes or not loss_close(level, math.log(classes)):
            problems.append(f"{classes} classes: ln = {math.log(classes) if classes else None}")
        if not values or not loss_close(last, values[-1]):
            problems.append(f"the last finite {curve} is {values[-1] if values else None}")
        elif classes:
            near = abs(values[-1] - math.log(classes)) <= 0.01 * math.log(classes)
            want = "at that level" if near else ("below it" if values[-1] < math.log(classes) else "above it")
            if side != want:
                problems.append(f"'{side}', but {values[-1]:.4f} against {math.log(classes):.4f} is '{want}'")
        self.claim("uniform guess", s, not problems, "; ".join(problems))

    def _answers(self, who: str):
        """(predictions, labels, class names) of the main model ('It', the main title) or a baseline."""
        cell = self._cell(who) if who in CELL_WORDS else None
        if cell and cell in self.r.baselines and cell != self.r.main_cell:
            test = (self.r.baselines[cell].get("test") or {})
        else:
            test = self.r.raw.get("test") or {}
        dataset = self.r.raw.get("dataset") or {}
        return test.get("predictions"), dataset.get("test_labels"), dataset.get("class_names") or []

    def predictor(self, s: str) -> None:
        m = re.match(r"(It|The " + MODEL + r") answered (\S+) for (?:all " + N + r"|" + N + r" of the " + N + r") test sequences"
                     r"(, the training split's most frequent class)?: it is a (majority-class|single-class) predictor, and its "
                     r"test accuracy is (?:(\S+)'s share of the test set|within (\d+ percentage points) of (\S+)'s share of the test set) "
                     r"\((" + V + r")\), not a measure of the task\.", s)
        if m:
            who = m.group(2) or self.r.main_cell and {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}.get(self.r.main_cell)
            predictions, labels, names = self._answers(who or "")
            cls = m.group(3)
            problems = []
            if not predictions or cls not in names:
                problems.append(f"no predictions, or {cls} is not a class of {names}")
            else:
                index = names.index(cls)
                answered, n = sum(1 for p in predictions if p == index), len(predictions)
                if m.group(4):
                    if integer(m.group(4)) != n or answered != n:
                        problems.append(f"{answered} of {n} answers are {cls}")
                elif integer(m.group(5)) != answered or integer(m.group(6)) != n:
                    problems.append(f"{answered} of {n} answers are {cls}")
                if answered < 0.95 * n:
                    problems.append(f"only {answered} of {n} answers are {cls}: not (nearly) all")
                majority = cls in self.r.majority_classes
                if (m.group(8) == "majority-class") != majority or (m.group(7) and not majority):
                    problems.append(f"{cls} majority in training: {majority} ({self.r.majority_classes})")
                share = sum(1 for y in labels or [] if y == index) / len(labels) if labels else None
                if share is None or not pct_close(m.group(12), share):
                    problems.append(f"{cls}'s test share is {share}")
            self.claim("single-class predictor", s, not problems, "; ".join(problems))
        m = re.match(r"At the last epoch (?:its|the \S+'s) training and validation accuracies, (" + V + r") and (" + V + r"), are (\S+)'s "
                     r"shares of those splits \((" + V + r") and (" + V + r")\)", s)
        if m:
            counts = (self.r.raw.get("dataset") or {}).get("class_counts") or {}
            cls = m.group(3)
            problems = []
            for printed_acc, printed_share, curve, split in ((m.group(1), m.group(4), "accuracy", "train"),
                                                              (m.group(2), m.group(5), "val_accuracy", "validation")):
                split_counts = counts.get(split) or {}
                share = split_counts.get(cls, 0) / sum(split_counts.values()) if split_counts else None
                last = self.r.value(curve, self.r.n_epochs)
                if share is None or last is None or not pct_close(printed_share, share) or not pct_close(printed_acc, last):
                    problems.append(f"{curve} {last} and {cls}'s {split} share {share}")
                elif abs(last - share) > 0.005:
                    problems.append(f"{curve} {last:.4f} is not {cls}'s {split} share {share:.4f}")
            self.claim("single-class predictor", s, not problems, "; ".join(problems))
        m = re.match(r"Figure \d+ is the confusion matrix of the test set \(rows: the true class, columns: the model's answer\): "
                     r"(?:every answer of the " + MODEL + r" is in the (\S+) column|" + N + r" of the " + MODEL + r"'s " + N +
                     r" answers are in the (\S+) column|the " + MODEL + r" answered " + N + r" of the " + N + r" test sequences "
                     r"correctly \(the diagonal\)(?:, and its most frequent mistake was answering (\S+) for (\S+) \(" + N +
                     r" sequences?\))?)", s)
        if m:
            predictions, labels, names = self._answers("")
            problems = []
            if not predictions or not labels:
                problems.append("no predictions in the record")
            elif m.group(2) or m.group(6):
                cls = m.group(2) or m.group(6)
                index = names.index(cls) if cls in names else -1
                answered = sum(1 for p in predictions if p == index)
                if m.group(2) and answered != len(predictions):
                    problems.append(f"{answered} of {len(predictions)} answers are {cls}")
                if m.group(6) and (integer(m.group(3)) != answered or integer(m.group(5)) != len(predictions)):
                    problems.append(f"{answered} of {len(predictions)} answers are {cls}")
            else:
                correct = sum(1 for p, y in zip(predictions, labels) if p == y)
                if integer(m.group(8)) != correct or integer(m.group(9)) != len(predictions):
                    problems.append(f"{correct} of {len(predictions)} correct")
                if m.group(10):
                    pairs = Counter((names[y], names[p]) for p, y in zip(predictions, labels) if p != y)
                    said = (m.group(11), m.group(10))
                    top = pairs.most_common(2)
                    if pairs.get(said) != integer(m.group(12)) or (len(top) > 1 and top[1][1] >= pairs.get(said, 0)) \
                            or top[0][0] != said:
                        problems.append(f"mistakes {pairs.most_common(3)}")
            self.claim("confusion matrix", s, not problems, "; ".join(problems))

    def reference(self, s: str) -> None:
        m = re.match(r"The reference accuracy, (" + V + r") \(source: (.+?)\), is (" + V + r") percentage points (below|above|equal to) "
                     r"this run's (" + V + r"): the difference, this run's minus the reference, has a 95 % interval of "
                     r"([−+-]?\d+\.\d) to ([−+-]?\d+\.\d) percentage points \(the run's Wilson interval; the reference taken "
                     r"as exact\), (which includes 0|entirely above 0|entirely below 0)", s)
        if not m:
            return
        ref = ((self.r.raw.get("spec") or {}).get("report") or {}).get("reference") or {}
        acc, n = self.r.test_accuracy, self.r.n_test
        problems = []
        if not ref or acc is None:
            problems.append(f"reference {ref}, test accuracy {acc}")
        else:
            low, high = (b - ref["accuracy"] for b in wilson(acc, n))
            said_low, said_high = (float(x.replace("−", "-")) for x in (m.group(6), m.group(7)))
            if not pct_close(m.group(1), ref["accuracy"]) or m.group(2) != ref.get("source"):
                problems.append(f"the reference is {ref}")
            if not pct_close(m.group(5), acc) or not points_close(m.group(3) + " pp", acc - ref["accuracy"]):
                problems.append(f"test accuracy {acc}, difference {acc - ref['accuracy']}")
            direction = "below" if acc > ref["accuracy"] else ("above" if acc < ref["accuracy"] else "equal to")
            if m.group(4) != direction:
                problems.append(f"the reference is {direction} the run's accuracy")
            if abs(said_low - 100 * low) > 0.051 or abs(said_high - 100 * high) > 0.051:
                problems.append(f"interval {100 * low:.2f} to {100 * high:.2f}")
            want = "which includes 0" if low <= 0 <= high else ("entirely above 0" if low > 0 else "entirely below 0")
            if m.group(8) != want:
                problems.append(f"'{m.group(8)}', but {want}")
        self.claim("reference", s, not problems, "; ".join(problems))

    def memorised(self, s: str) -> None:
        m = re.search(r"it fitted its training sequences \(training accuracy (" + V + r") at the last epoch, above the (" + V +
                      r") that tells it from the training split's chance level; training loss (" + V + r")\) but not the "
                      r"validation ones: it overfitted from epoch (\d+)", s)
        if not m:
            return
        r = self.r
        dataset = r.raw.get("dataset") or {}
        train_counts = (dataset.get("class_counts") or {}).get("train") or {}
        n_train = sum(train_counts.values())
        floor = max([v for v in (r.uniform, max(train_counts.values()) / n_train if n_train else None) if v is not None],
                    default=None)
        critical = binomial_critical(n_train, floor) if n_train else None
        accuracy = [v for v in r.curve("accuracy") if v is not None]
        loss = [v for v in r.curve("loss") if v is not None]
        lowest, val = self._lowest_val()
        problems = []
        if critical is None or not pct_close(m.group(2), critical):
            problems.append(f"the training split's threshold is {critical}")
        if not accuracy or not pct_close(m.group(1), accuracy[-1]) or (critical is not None and accuracy[-1] < critical):
            problems.append(f"the last training accuracy {accuracy[-1] if accuracy else None}")
        if not loss or not loss_close(m.group(3), loss[-1]):
            problems.append(f"the last training loss {loss[-1] if loss else None}")
        best = next((i + 1 for i, v in enumerate(val) if v is not None and r4(v) == lowest), None) if lowest else None
        if best is None or int(m.group(4)) != best + 1 or best == len(val):
            problems.append(f"the validation loss was lowest at epoch {best} of {len(val)}")
        self.claim("memorised", s, not problems, "; ".join(problems))

    def few_updates(self, s: str) -> None:
        m = re.search(r"it made only " + N + r" weight updates \((\d+) epochs? of " + N + r" batch(?:es)?\)(?: at learning rate "
                      r"(\S+): \w+ moves a weight by at most about the learning rate per update, so no weight could move by more "
                      r"than about (" + V + r") from its initial value)?, and the training loss stayed (?:at|near) the uniform guess's "
                      r"ln (\d+)(?: = (" + V + r"))? \((" + V + r") at the last epoch(?:, close to the (" + V + r") of "
                      r"answering every sequence with the training split's class shares: on average its answers were no more "
                      r"confident than those shares)?\)", s)
        if not m:
            return
        training = (self.r.raw.get("spec") or {}).get("training") or {}
        sizes = (self.r.raw.get("dataset") or {}).get("sizes") or {}
        batches = math.ceil((sizes.get("train") or 0) / (training.get("batch_size") or 1))
        updates, epochs, said_batches = integer(m.group(1)), int(m.group(2)), integer(m.group(3))
        train = [v for v in self.r.curve("loss") if v is not None]
        classes = len((self.r.raw.get("dataset") or {}).get("class_names") or [])
        problems = []
        if epochs != self.r.n_epochs or said_batches != batches or updates != epochs * batches:
            problems.append(f"{self.r.n_epochs} epochs of {batches} batches")
        if m.group(4):
            lr = training.get("learning_rate")
            if float(m.group(4)) != lr or abs(float(m.group(5)) - updates * lr) > 0.5 * 10 ** -_decimals(m.group(5)) + 1e-12:
                problems.append(f"learning rate {lr}: bound {updates * lr}")
        if int(m.group(6)) != classes or not train or not loss_close(m.group(8), train[-1]) \
                or abs(train[-1] - math.log(classes)) > 0.01 * math.log(classes):
            problems.append(f"the last training loss {train[-1] if train else None} against ln {classes}")
        counts = [c for c in (((self.r.raw.get("dataset") or {}).get("class_counts") or {}).get("train") or {}).values() if c]
        prior = (-sum(c / sum(counts) * math.log(c / sum(counts)) for c in counts)
                 if counts and len(counts) == classes else None)
        between = (prior is not None and train and math.log(classes) - prior > 1e-4
                   and prior - 0.01 * math.log(classes) <= train[-1] <= math.log(classes)
                   and train[-1] - prior < math.log(classes) - train[-1])
        said_prior = m.group(9)
        if bool(said_prior) != bool(between) or bool(m.group(7)) != bool(between) or ("near" in m.group(0)) != bool(between):
            problems.append(f"the prior's loss {prior} is {'' if between else 'not '}told from ln {classes} here")
        elif said_prior and not (loss_close(m.group(7), math.log(classes)) and loss_close(said_prior, prior)):
            problems.append(f"ln {classes} = {math.log(classes)}, the prior's loss {prior}")
        self.claim("few updates", s, not problems, "; ".join(problems))

    def stopping_would_not_help(self, s: str) -> None:
        m = re.search(r"Stopping early would not help: at epoch (\d+), the best by validation loss, the validation accuracy was "
                      r"(" + V + r")(?:, not significantly above chance \(on " + N + r" validation sequences that needs (" + V +
                      r") or more\)| against (" + V + r") at epoch (\d+), a difference within two standard errors \((" + V +
                      r") percentage points\) of one epoch's accuracy on " + N + r" validation sequences)", s)
        if not m:
            return
        lowest, val = self._lowest_val()
        acc = self.r.curve("val_accuracy")
        b = int(m.group(1))
        problems = []
        if lowest is None or not (1 <= b <= len(val)) or r4(val[b - 1]) != lowest:
            problems.append(f"epoch {b} is not the lowest validation loss")
        elif not self.value_ok(m.group(2), "val_accuracy", b):
            problems.append(f"{m.group(2)} is not {self.shown('val_accuracy', b)}")
        elif m.group(3):
            if integer(m.group(3)) != self.r.n_validation or self.r.validation_critical is None \
                    or not pct_close(m.group(4), self.r.validation_critical) or acc[b - 1] >= self.r.validation_critical:
                problems.append(f"threshold {self.r.validation_critical} on {self.r.n_validation}")
        else:
            n_last = int(m.group(6))
            n = self.r.n_validation
            se = math.sqrt(max(acc[b - 1] * (1 - acc[b - 1]), 1 / n) / n) if n else None
            if n_last != len(acc) or not self.value_ok(m.group(5), "val_accuracy", n_last) or integer(m.group(8)) != n:
                problems.append(f"the last epoch's validation accuracy {acc[-1]} on {n}")
            elif se is None or not points_close(m.group(7), 2 * se) or acc[b - 1] - acc[-1] > 2 * se:
                problems.append(f"two standard errors {2 * se if se else None}; difference {acc[b - 1] - acc[-1]}")
        self.claim("early stopping", s, not problems, "; ".join(problems))

    def validation_noise(self, s: str) -> None:
        m = re.match(r"In this run one epoch's validation accuracy \((" + V + r") at epoch (\d+), on " + N + r" sequences\) "
                     r"has a standard error of (" + V + r") percentage points, which four times as many validation sequences "
                     r"would halve\.", s)
        scatter = re.match(r"The validation loss scattered by about (" + V + r") around its course from epoch to epoch", s)
        if scatter:
            noise = robust_scatter(self.r.curve("val_loss"))
            # A scatter is a curve's turns: one that turned at most once has none to measure.
            turned = direction_changes(finite_prefix(self.r.curve("val_loss"))) >= 2
            self.claim("validation noise", s, turned and noise is not None and loss_close(scatter.group(1), noise),
                       f"scatter {noise}, turned twice or more: {turned}")
        if not m:
            return
        curve = self.r.curve("val_accuracy")
        acc = [v for v in curve if v is not None]
        last_epoch = max((i + 1 for i, v in enumerate(curve) if v is not None), default=None)
        n = integer(m.group(3))
        problems = []
        if not acc or n != self.r.n_validation or not pct_close(m.group(1), acc[-1]) or int(m.group(2)) != last_epoch:
            problems.append(f"last validation accuracy {acc[-1] if acc else None} at epoch {last_epoch} on {self.r.n_validation}")
        elif not points_close(m.group(4), math.sqrt(acc[-1] * (1 - acc[-1]) / n)):
            problems.append(f"standard error {math.sqrt(acc[-1] * (1 - acc[-1]) / n)}")
        self.claim("validation noise", s, not problems, "; ".join(problems))

    # -- figures: the alternative text and the captions (report/figures.py draws them; phrases.html.j2 words them)

    def _model_history(self, title: str) -> dict | None:
        """The per-epoch curves of the model a figure names ('LSTM', 'SimpleRNN'), None if the run has none."""
        cell = self._cell(title)
        if cell == self.r.main_cell:
            return self.r.history
        baseline = self.r.baselines.get(cell)
        if baseline is None:
            return None
        history = baseline.get("history") or {}
        return {name: [as_float(v) for v in (history.get(name) or [])] for name in CURVE_WORDS.values()}

    @staticmethod
    def _near(printed: str, value) -> bool:
        """``printed`` is ``value`` to the printed precision (any decimals, thousands separators, powers of ten)."""
        value = as_float(value)
        if value is None:
            return printed.strip() in ("n/a", "NaN", "nan")
        printed = printed.strip().rstrip("%").strip()
        power = re.fullmatch(r"(-?\d+(?:\.\d+)?) × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", printed)
        if power:
            exponent = int(power.group(2).translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
            return abs(float(power.group(1)) * 10 ** exponent - value) <= 0.5 * 10 ** (exponent - _decimals(power.group(1))) * 1.0001
        try:
            number = float(printed.replace(",", ""))
        except ValueError:
            return False
        return abs(number - value) <= 0.5 * 10 ** -_decimals(printed) + 1e-9

    # "Training accuracy goes from 25.22 % at epoch 1 to 100 % at epoch 20": the drawn curve's first and last
    # point, the last being its last epoch (the per-batch curves: "at batch 1 to ... at batch 2,000").
    def figure_series(self, s: str) -> None:
        for m in re.finditer(CURVE + r" goes from (" + V + r") at (epoch|batch) 1 to (" + V + r") at (?:epoch|batch) " + N
                             + r"(, its last finite value)?", s, flags=re.IGNORECASE):
            curve, first, unit, last, n = CURVE_WORDS[m.group(1).lower()], m.group(2), m.group(3), m.group(4), integer(m.group(5))
            if unit == "batch":
                values = [as_float(v) for v in (self.r.raw.get("batch_history") or {}).get(curve) or []]
            else:
                values = self.r.curve(curve)
            # "..., its last finite value": the values after it are not numbers (as_float reads them as None).
            end = len(finite_prefix(values)) if m.group(6) else len(values)
            ok = (bool(values) and end == n and (end < len(values)) == bool(m.group(6))
                  and printed_matches(first, values[0], kind_of(curve)) and printed_matches(last, values[end - 1], kind_of(curve)))
            self.claim("figure series", s, ok, f"{curve} per {unit}: {len(values)} values, first "
                       f"{values[0] if values else None}, last finite at {end}: {values[end - 1] if end else None}")
        for m in re.finditer(r"(?<!'s )" + CURVE + r" has no finite value", s, flags=re.IGNORECASE):
            values = self.r.curve(CURVE_WORDS[m.group(1).lower()])
            self.claim("figure series", s, bool(values) and not finite_prefix(values), f"{values[:3]}")
        m = re.search(r"^(?:Line chart of the training .*?|Two line charts) over " + N + r" epochs?\b", s)
        if m:
            self.claim("figure series", s, integer(m.group(1)) == self.r.n_epochs, f"{self.r.n_epochs} epochs")

    # "The LSTM's validation loss ends at 0.0012; the SimpleRNN's validation loss ends at 1.4093."
    def figure_model_ends(self, s: str) -> None:
        for m in re.finditer(r"\b[Tt]he " + MODEL + r"'s " + CURVE + r" (?:ends at (" + V + r")|stops at (" + V + r") "
                             r"\(epoch (\d+)\), its last finite value|has no finite value)", s):
            history = self._model_history(m.group(1))
            curve = CURVE_WORDS[m.group(2)]
            values = (history or {}).get(curve) or []
            end = len(finite_prefix(values))
            if m.group(3):
                ok = bool(values) and printed_matches(m.group(3), values[-1], kind_of(curve))
            elif m.group(4):
                ok = 0 < end == int(m.group(5)) < len(values) and printed_matches(m.group(4), values[end - 1], kind_of(curve))
            else:
                ok = bool(values) and end == 0
            self.claim("figure model end", s, ok, f"the {m.group(1)}'s {curve}: {values[-3:] if values else 'none'}")

    # The vertical lines of the learning curves: the evaluated epoch, and an early stop.
    def figure_marks(self, s: str) -> None:
        r = self.r
        m = re.search(r"A dotted vertical line marks epoch (\d+), whose weights were evaluated on the test set", s)
        if m:
            ok = int(m.group(1)) == self._evaluated_epoch() and r.test_accuracy is not None
            self.claim("figure marks", s, ok, f"evaluated epoch {self._evaluated_epoch()}, test {r.test_accuracy}")
        m = re.search(r"A dashed vertical line marks epoch (\d+), where early stopping ended training", s)
        if m:
            ok = (r.stopped.get("reason") == "early_stopping" and r.stopped.get("epoch") == int(m.group(1))
                  and int(m.group(1)) != self._evaluated_epoch())
            self.claim("figure marks", s, ok, f"stopped {r.stopped}, evaluated epoch {self._evaluated_epoch()}")
        if s.startswith("Early stopping ended training there"):
            ok = r.stopped.get("reason") == "early_stopping" and r.stopped.get("epoch") == self._evaluated_epoch()
            self.claim("figure marks", s, ok, f"stopped {r.stopped}, evaluated epoch {self._evaluated_epoch()}")

    def figure_uniform(self, s: str) -> None:
        m = re.search(r"marks the loss of a uniform guess over (\d+) classes, ln (\d+) = (" + V + r")", s)
        if m:
            classes = len((self.r.raw.get("dataset") or {}).get("class_names") or [])
            ok = int(m.group(1)) == int(m.group(2)) == classes and classes >= 2 and loss_close(m.group(3), math.log(classes))
            self.claim("uniform guess", s, ok, f"{classes} classes")

    def figure_smoothing(self, s: str) -> None:
        weight = ((self.r.raw.get("spec") or {}).get("report") or {}).get("smoothing", 0.6)
        m = re.search(r"a thin dashed line smooths it \(TensorBoard's debiased moving average, weight (" + V + r")\)"
                      r"|with a smoothed line \(weight (" + V + r")\)", s)
        if m:
            said = float(m.group(1) or m.group(2))
            self.claim("smoothing", s, abs(said - float(weight)) < 1e-9, f"report.smoothing {weight}")
        m = re.search(r"No smoothed line is drawn: (\d+) or more epochs are needed for one", s)
        if m:
            self.claim("smoothing", s, self.r.n_epochs < int(m.group(1)), f"the run has {self.r.n_epochs} epochs")

    def figure_batches(self, s: str) -> None:
        batches = self.r.raw.get("batch_history") or {}
        m = re.search(r"accuracy for each of " + N + r" batch(?:es)?\b", s)
        if m:
            self.claim("figure batches", s, integer(m.group(1)) == len(batches.get("loss") or []),
                       f"{len(batches.get('loss') or [])} batches")
        m = re.search(r"mark the ends of the " + N + r" epochs?\b|The " + N + r" epochs' ends are not marked", s)
        if m:
            epochs = len({e for e in batches.get("epoch") or []})
            self.claim("figure batches", s, integer(m.group(1) or m.group(2)) == epochs, f"{epochs} epochs per batch")

    def figure_gradients(self, s: str) -> None:
        norms = ((self.r.raw.get("diagnostics") or {}).get("gradient_norms") or {})
        for m in re.finditer(r"the " + MODEL + r"'s gradient is (" + V + r") at the first step and (" + V + r") at the last", s):
            values = (norms.get("initial") or {}).get(self._cell(m.group(1))) or []
            ok = bool(values) and self._near(m.group(2), values[0]) and self._near(m.group(3), values[-1])
            self.claim("figure gradients", s, ok, f"initial {m.group(1)}: first {values[:1]}, last {values[-1:]}")
        m = re.search(r"at each of the " + N + r" time steps", s)
        if m:
            steps = max((len(v or []) for phase in ("initial", "trained") for v in (norms.get(phase) or {}).values()), default=0)
            self.claim("figure gradients", s, integer(m.group(1)) == steps, f"{steps} steps")
        m = re.search(r"Shaded: the steps where an important task can be \(steps ([^)]*)\)", s)
        if m:
            said = [tuple(int(x) for x in pair) for pair in re.findall(r"(\d+)–(\d+)", m.group(1))]
            windows = [(lo + 1, hi + 1) for lo, hi in (self.r.raw.get("dataset") or {}).get("important_windows") or []]
            self.claim("figure gradients", s, said == windows, f"important windows (1-based) {windows}")

    def figure_gates(self, s: str) -> None:
        gates = (self.r.raw.get("diagnostics") or {}).get("gates") or {}
        summary = gates.get("summary") or {}
        m = re.search(r"Unit (\d+)'s input gate averages (" + V + r") at the important tasks and (" + V + r") elsewhere", s)
        if m:
            ok = (int(m.group(1)) == gates.get("unit") and bool(summary.get("available"))
                  and self._near(m.group(2), summary.get("unit_input_gate_at_important"))
                  and self._near(m.group(3), summary.get("unit_input_gate_elsewhere")))
            self.claim("figure gates", s, ok, f"unit {gates.get('unit')}, summary {summary}")
        m = re.search(r"over the " + N + r" steps of " + N + r" test sequences?, one per class \(([^)]*)\)", s)
        if m:
            sequences = gates.get("sequences") or []
            labels = list(dict.fromkeys(str(q.get("label")) for q in sequences))
            steps = {len(q.get("input_gate_mean") or []) for q in sequences}
            said = m.group(3).split(", ")
            ok = steps == {integer(m.group(1))} and integer(m.group(2)) == len(said) and set(said) <= set(labels)
            self.claim("figure gates", s, ok, f"classes {labels}, steps {steps}")

    def figure_dataset(self, s: str) -> None:
        dataset = self.r.raw.get("dataset") or {}
        m = re.search(r"^Bar chart of the sequences per class in each split \((.*)\)\.?$", s)
        if m:
            # Rebuilt from run.json in this module's own words: "train: XX 772, XY 789; validation: ...", all the
            # classes, or the first 50 where the figure says it shows only those.
            counts = dataset.get("class_counts") or {}
            expected = ["; ".join(f"{split}: " + ", ".join(f"{name} {n:,}" for name, n in list(per_class.items())[:k])
                                  for split, per_class in list(counts.items())[:6]) for k in (None, 50)]
            self.claim("figure dataset", s, m.group(1) in [normalise(e) for e in expected], f"class counts {expected[0]}")
        m = re.search(r"median (" + V + r"), 90th percentile (" + V + r"); (" + V + r") are longer than the padded "
                      r"length, (\d+)", s)
        if m:
            lengths = dataset.get("lengths") or {}
            ok = (self._near(m.group(1), lengths.get("median")) and self._near(m.group(2), lengths.get("p90"))
                  and pct_close(m.group(3), lengths.get("truncated_share")) and int(m.group(4)) == dataset.get("sequence_length"))
            self.claim("figure dataset", s, ok, f"lengths {lengths}, padded to {dataset.get('sequence_length')}")

    def figure_confusion(self, s: str) -> None:
        names = (self.r.raw.get("dataset") or {}).get("class_names") or []
        for m in re.finditer(MODEL + r": " + N + r" of " + N + r" test sequences on the diagonal; answers per class: "
                             r"((?:[^;.]+? " + N + r")(?:, [^;.]+? " + N + r")*)", s):
            cell = self._cell(m.group(1))
            entry = self.r.raw if cell == self.r.main_cell else self.r.baselines.get(cell) or {}
            matrix = (entry.get("test") or {}).get("confusion") or []
            correct = sum(matrix[i][i] for i in range(len(matrix)))
            total = sum(sum(row) for row in matrix)
            answers = ", ".join(f"{name} {sum(row[j] for row in matrix):,}" for j, name in enumerate(names[:len(matrix)]))
            ok = bool(matrix) and integer(m.group(2)) == correct and integer(m.group(3)) == total and m.group(4) == answers
            self.claim("figure confusion", s, ok, f"{m.group(1)}: {correct} of {total}; answers {answers}")

    # Captions: "LSTM vs SimpleRNN: accuracy per epoch", "LSTM gates and cell state of unit 25 ...",
    # "Training (no validation split) loss vs epochs", "...; SimpleRNN validation dashed for comparison".
    def figure_captions(self, s: str) -> None:
        models = [self.r.main_cell, *self.r.baselines]
        # A variant is its cell and the spec settings it changed, as the legend labels it.
        drawn = models + [f"{v.get('cell')} variant ({', '.join(f'{k} {x}' for k, x in (v.get('variant') or {}).items())})"
                          for v in self.r.variants]
        named_model = MODEL + r"(?: variant \([^)]*\))?"
        m = re.match(r"(" + named_model + r"(?: vs " + named_model + r")*): (accuracy|loss) per epoch$", s)
        if m:
            named = [self._cell(t) if " variant (" not in t else self._cell(t.split(" variant (")[0]) + " variant ("
                     + t.split(" variant (", 1)[1] for t in m.group(1).split(" vs ")]
            self.claim("figure caption", s, named == drawn, f"the figure's models {drawn}")
        m = re.match(r"Confusion matrix on the test set: (.*)$", s)
        if m:
            named = [self._cell(t) for t in m.group(1).split(" and ")]
            self.claim("figure caption", s, set(named) <= set(models) and self.r.main_cell in named, f"models {models}")
        m = re.match(r"LSTM gates and cell state of unit (\d+) along test sequences$", s)
        if m:
            unit = ((self.r.raw.get("diagnostics") or {}).get("gates") or {}).get("unit")
            self.claim("figure caption", s, int(m.group(1)) == unit, f"the gates' unit is {unit}")
        m = re.match(r"(?:Training|" + MODEL + r" training) (\(no validation split\)|and validation) (?:accuracy|loss)"
                     r"(?: vs epochs$| \(left\) and loss \(right\) per epoch(?:$|; (.*) validation dashed for comparison$))", s)
        if m:
            has_validation = any(v is not None for v in self.r.curve("val_loss"))
            said = m.group(2) == "and validation"
            self.claim("figure caption", s, said == has_validation and (m.group(1) is None or self._cell(m.group(1)) == self.r.main_cell),
                       f"validation curve: {has_validation}; main model {self.r.main_cell}")
            if m.group(3):
                named = [self._cell(t) for t in m.group(3).split(" and ")]
                self.claim("figure caption", s, set(named) <= set(self.r.baselines), f"baselines {list(self.r.baselines)}")

    # Any "<value> at epoch N" or "at epoch N (<value>)": the value of the curve the sentence names (the
    # last curve named before it), or else of some curve of the right kind.
    def value_at_epoch(self, s: str) -> None:
        if re.match(r"The " + MODEL + r" baseline(?:'s)? (?:overfitted|validation loss|shows no sign)", s):
            return  # a baseline's own curve: read by baseline_overfitting
        if s.startswith("In this run one epoch's validation accuracy ("):
            return  # a share rounded to the standard error's precision: read by validation_noise
        hits = [(m.start(), m.group(1), int(m.group(2))) for m in re.finditer(r"(" + V + r") at epoch (\d+)\b", s)]
        hits += [(m.start(), m.group(2), int(m.group(1))) for m in re.finditer(r"at epoch (\d+) \((" + V + r")\)", s)]
        for position, printed, epoch in hits:
            if printed in ("n/a",) or not re.search(r"\d", printed):
                continue
            named = [(m.start(), CURVE_WORDS[m.group(1).lower()]) for m in re.finditer(CURVE, s, flags=re.IGNORECASE)
                     if m.start() < position]
            if named:
                candidates = [named[-1][1]]
            elif self.subject is not None and s.startswith("It"):
                candidates = [self.subject]
            else:
                candidates = [c for c in CURVE_WORDS.values() if (kind_of(c) == "accuracy") == printed.endswith("%")]
            ok = any(self.value_ok(printed, c, epoch) for c in candidates)
            self.claim("value at epoch", s, ok, f"{printed} at epoch {epoch}: "
                       + ", ".join(self.shown(c, epoch) for c in candidates))


def check_text(text: str, record: dict, *, require_claims: bool = True) -> Counter:
    """Check every claim sentence of ``text`` (a report's extracted text) against ``record`` (run.json)."""
    return _checked(Checker(record), text, require_claims, "claims", "claim sentence")


def _checked(checker, text: str, require_claims: bool, claims: str, claim: str) -> Counter:
    """Run ``checker`` over every sentence of ``text``; raise naming each failing (or unrecognised) sentence."""
    for sentence in sentences(text):
        checker.check(sentence)
    total = sum(checker.counts.values())
    checker.failures += [f"[unrecognised] {s!r}: names an epoch or a curve with a number, but matches no claim form "
                         "this checker knows (teach tests/claim_check.py the new sentence)"
                         for s in getattr(checker, "unrecognised", [])]
    if checker.failures:
        raise AssertionError(f"{len(checker.failures)} of {total} {claims} do not hold in run.json:\n"
                             + "\n".join(checker.failures))
    if require_claims and total == 0:
        raise AssertionError(f"the claim check found no {claim} to check in this report")
    return checker.counts


def claim_text(html: str) -> str:
    """The report's prose: every block but program listings and pseudocode (<pre>), whose numbers are code."""
    return "\n".join(text for tag, text in report_blocks(html) if tag != "pre")


def check_report(html: str, record: dict, *, require_claims: bool = True) -> Counter:
    """Check a rendered report.html against its run.json; see the module docstring (a forecast's report:
    ForecastChecker below)."""
    if (record.get("task") or {}).get("kind") == "forecast":
        return check_forecast_text(claim_text(html), record, require_claims=require_claims)
    return check_text(claim_text(html), record, require_claims=require_claims)


# --------------------------------------------------------------------------- forecasts
#
# A forecast's report (run.json task kind "forecast") claims test errors, comparisons with baselines, a lag,
# the split and the forecast past the end.  Definitions, this module's own:
#
# * A printed MAE has 2 decimals, a MASE 3, a correlation 3: the value rounded to them.
# * "X lower" / "X higher": the baseline's MAE minus the network's, or the reverse, rounded.
# * "beats" needs the network's mean per-window absolute error below the baseline's and a two-sided
#   Diebold-Mariano test at 5 % to reject equal errors; "does not beat" the same with the errors the other
#   way; "unclear" a p-value of 5 % or more.  The test's variance is Newey-West (Bartlett weights) with lag
#   horizon - 1 + floor(cube root of the number of test windows); its p-value the normal one.
# * "correlate more with the actual value one step earlier": the Pearson correlation of the one-step
#   forecasts with the actual values one row earlier exceeds the one with the values they forecast.
# * The split's years are run.json's dataset.splits times.
# * "test MAE grows with the horizon": the network's recorded MAE at the last step ahead is at least 1.2 times
#   its MAE at the first ("grows by less than 20 %": below that); the error by horizon figure's numbers are
#   each model's recorded mae_by_step, first and last.
# * The summing-up ("Of the N forecasts set against it ..."): every baseline of run.json named once, each
#   under the verdict the Diebold-Mariano rule above gives it ("has no test errors to compare with": the
#   network or the baseline has no test forecast).
# * The residual figure ("Three panels on the N one-step test errors ..."): the errors are actual minus the
#   network's forecast at the first step of each test window, in order; the autocorrelation at lag k is
#   sum c_t c_(t-k) / sum c_t^2 (c: the errors less their mean), drawn at lags 1 to min(20, N // 4); a lag is
#   "outside the band" when its autocorrelation exceeds 2 / sqrt(N) in size; min, max and mean to 2 decimals.
# * The training loss ("trained with the mean squared error", "The loss is the Huber loss ...", "minimise
#   the mean absolute error"): the spec's training.loss in run.json (unset: mse), by Keras' meaning of it.

FV = r"-?\d+(?:\.\d+)?"  # a forecast report's numbers: plain decimals
LOSS_WORDS = {"mean squared error": "mse", "mean absolute error": "mae", "Huber loss": "huber"}
FORECAST_NAMES = {"naive forecast": "naive", "seasonal-naive forecast": "seasonal_naive",
                  "linear autoregression": "linear_ar", "SimpleRNN network": "simple_rnn", "GRU network": "gru",
                  "LSTM network": "lstm"}


def _mean(values: list) -> float:
    return sum(values) / len(values)


def _newey_west(d: list, horizon: int) -> tuple[float, float]:
    """(mean, Newey-West variance) of d with lag horizon - 1 + floor(n^(1/3)), as the DM test uses."""
    n = len(d)
    m = _mean(d)
    c = [x - m for x in d]
    lag = min(n - 1, horizon - 1 + int(math.floor(n ** (1 / 3) + 1e-9)))
    var = sum(x * x for x in c) / n + 2 * sum((1 - k / (lag + 1)) * sum(c[t] * c[t - k] for t in range(k, n)) / n
                                             for k in range(1, lag + 1))
    return m, var


def _lag1(values: list) -> float:
    """The lag-1 autocorrelation of values about their mean."""
    mean = _mean(values)
    c = [v - mean for v in values]
    return sum(c[t] * c[t - 1] for t in range(1, len(c))) / sum(x * x for x in c)


def _dm_p(main: list, base: list, horizon: int) -> float | None:
    d = [a - b for a, b in zip(main, base)]
    n = len(d)
    if n < 3:
        return None
    m, var = _newey_west(d, horizon)
    if var <= 0:
        return None
    return math.erfc(abs(m / math.sqrt(var / n)) / math.sqrt(2))


def _pearson(a: list, b: list) -> float:
    ma, mb = _mean(a), _mean(b)
    return (sum((x - ma) * (y - mb) for x, y in zip(a, b))
            / math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)))


def _rounded(printed: str, value, digits: int) -> bool:
    return value is not None and math.isfinite(value) and abs(float(printed) - value) <= 0.5 * 10 ** -digits + 1e-12


class ForecastChecker:
    def __init__(self, record: dict):
        self.record = record
        self.models = {m["cell"]: m for m in record["models"]}
        self.main = record["models"][0]
        data = record["dataset"]
        self.data = data
        self.forecast = data["forecast"]
        self.actual = self.forecast["test_actual"]
        self.counts: Counter = Counter()
        self.failures: list[str] = []
        # The learning curves' sentences (course, noise, overfitting, end state) are the classification
        # report's, checked by its checker against the same per-epoch losses; counts and failures are shared.
        self.curves = Checker(record)
        self.curves.counts, self.curves.failures = self.counts, self.failures

    def claim(self, kind: str, sentence: str, problems: list) -> None:
        self.counts[kind] += 1
        if problems:
            self.failures.append(f"[{kind}] {sentence!r}: {'; '.join(problems)}")

    def window_errors(self, cell: str) -> list:
        rows = (self.models[cell].get("forecast") or {}).get("test_predictions") or []
        return [_mean([abs(p - a) for p, a in zip(pr, ar)]) for pr, ar in zip(rows, self.actual)]

    def verdict_problems(self, cell: str, verdict: str) -> list:
        main, base = self.window_errors(self.main["cell"]), self.window_errors(cell)
        p = _dm_p(main, base, self.forecast["horizon"])
        lower = _mean(main) < _mean(base)
        if verdict == "unclear":
            return [] if p is None or p >= 0.05 else [f"p = {p} tells them apart"]
        if p is None or p >= 0.05:
            return [f"p = {p}: not told apart, yet the sentence says {verdict}"]
        if (verdict == "better") != lower:
            return [f"the network's MAE {_mean(main)} vs the {cell}'s {_mean(base)}"]
        return []

    def numbers(self, cell: str, main_mae: str, base_mae: str, margin: str | None, sense: str | None) -> list:
        problems = []
        ours, theirs = self.main["test"]["mae"], self.models[cell]["test"]["mae"]
        if not (_rounded(main_mae, ours, 2) and _rounded(base_mae, theirs, 2)):
            problems.append(f"MAEs {ours} and {theirs}")
        if margin is not None:
            value = theirs - ours if sense == "lower" else ours - theirs
            if not _rounded(margin, value, 2) or value <= 0:
                problems.append(f"{sense} by {value}")
        return problems

    def horizon_figure_problems(self, horizon: int, body: str) -> list:
        """'LSTM 10.20 at step 1 and 20.30 at step 3; naive forecast ...': each model's per-step test MAE."""
        names = {**FORECAST_NAMES, self.main["cell"].upper() if self.main["cell"] != "simple_rnn" else "SimpleRNN":
                 self.main["cell"]}
        problems = []
        for part in body.split("; "):
            m = re.fullmatch(r"(.+?) (" + FV + r") at step 1 and (" + FV + r") at step (\d+)", part)
            cell = names.get(m.group(1)) if m else None
            if cell is None or cell not in self.models:
                problems.append(f"unrecognised {part!r}")
                continue
            steps = (self.models[cell].get("forecast") or {}).get("mae_by_step") or []
            if not (len(steps) == horizon == int(m.group(4)) and _rounded(m.group(2), steps[0], 2)
                    and _rounded(m.group(3), steps[-1], 2)):
                problems.append(f"{cell}'s MAE by step {steps}")
        return problems

    def residual_figure_problems(self, m) -> list:
        """The residual figure's alt text against the errors recomputed from run.json (definitions above)."""
        predictions = self.main["forecast"]["test_predictions"]
        errors = [a[0] - p[0] for a, p in zip(self.actual, predictions)]
        n = len(errors)
        c = [e - _mean(errors) for e in errors]
        total = sum(x * x for x in c)
        lags = min(20, n // 4)
        r = [sum(c[t] * c[t - k] for t in range(k, n)) / total for k in range(1, lags + 1)]
        band = 2 / math.sqrt(n)
        outside = [k for k, value in enumerate(r, start=1) if abs(value) > band]
        printed_outside = [int(v) for v in re.findall(r"\d+", m.group(8) or "")]
        problems = []
        if int(m.group(1)) != n or int(m.group(5)) != lags:
            problems.append(f"{n} errors, lags 1 to {lags}")
        if not (_rounded(m.group(2), min(errors), 2) and _rounded(m.group(3), max(errors), 2)
                and _rounded(m.group(4), _mean(errors), 2)):
            problems.append(f"errors from {min(errors)} to {max(errors)}, mean {_mean(errors)}")
        if not (_rounded(m.group(6), r[0], 3) and _rounded(m.group(7) or m.group(9), band, 3)):
            problems.append(f"r1 {r[0]}, band {band}")
        if printed_outside != outside:
            problems.append(f"lags outside the band: {outside}")
        return problems

    def standing_problems(self, count: int, body: str) -> list:
        """The sentence that sums up every comparison: each baseline named once, each with its verdict."""
        baselines = [m["cell"] for m in self.record["models"][1:] if m.get("role") == "baseline"]
        clauses = _standing_clauses(body)
        if clauses is None:
            return ["unrecognised summing-up"]
        problems = [] if count == len(baselines) else [f"{count} forecasts, run.json has {len(baselines)}"]
        named = []
        for verdict, names in clauses:
            for name in names:
                cell = FORECAST_NAMES.get(name)
                if cell is None:
                    problems.append(f"unknown forecast {name!r}")
                    continue
                named.append(cell)
                if verdict == "none":
                    if self.window_errors(self.main["cell"]) and self.window_errors(cell):
                        problems.append(f"the {cell} has test errors to compare with")
                else:
                    problems += self.verdict_problems(cell, verdict)
        if sorted(named) != sorted(baselines):
            problems.append(f"names {named}, run.json's baselines {baselines}")
        return problems

    def check(self, s: str) -> None:
        self.curves.check_curves(s)
        main = re.escape(self.main["cell"].upper()) if self.main["cell"] != "simple_rnn" else "SimpleRNN"
        m = re.search(r"(?:The|whether the) " + main + r" (beats|does not beat) the naive forecast(?:: on the test part "
                      r"its mean absolute error is (" + FV + r") against (" + FV + r") for (?:simply )?repeating the last "
                      r"value(?:, (" + FV + r") (lower|higher))?)?", s)
        if m:
            verdict = "unclear" if s.startswith("It is unclear") else "better" if m.group(1) == "beats" else "worse"
            problems = self.verdict_problems("naive", verdict)
            if m.group(2):
                problems += self.numbers("naive", m.group(2), m.group(3), m.group(4), m.group(5))
            self.claim("forecast headline", s, problems)
        m = re.match(r"Against the (.+?) \(|Against the (.+?): test MAE", s)
        if m:
            name = next((cell for words, cell in FORECAST_NAMES.items() if s.startswith(f"Against the {words}")), None)
            n = re.search(r"test MAE (" + FV + r") for the \w+ and (" + FV + r") for the baseline", s)
            lo = re.search(r"error is (" + FV + r") (lower|higher)", s)
            verdict = ("better" if "beats it" in s else "worse" if "does not beat it" in s else
                       "unclear" if "it is unclear" in s else None)
            problems = [] if name and n and verdict else ["unrecognised comparison"]
            if not problems:
                problems = self.verdict_problems(name, verdict) + self.numbers(
                    name, n.group(1), n.group(2), lo.group(1) if lo else None, lo.group(2) if lo else None)
            self.claim("forecast comparison", s, problems)
        m = re.search(r"Its MASE is (" + FV + r"): .* over the training part of .*? \((" + FV + r")\), so 1 would mean", s)
        if m:
            test, scale = self.main["test"], self.forecast["scale"]
            ok = _rounded(m.group(1), test["mase"], 3) and _rounded(m.group(2), scale, 2)
            ok = ok and abs(test["mase"] - test["mae"] / scale) < 1e-9
            self.claim("forecast mase", s, [] if ok else [f"MASE {test['mase']} scale {scale}"])
        m = re.search(r"correlate more with the (actual value one step earlier|value they forecast) \(correlation ("
                      + V + r")\) than with the (?:value they forecast|actual value one step earlier) \((" + FV + r")\)", s)
        if m:
            forecast = [row[0] for row in self.main["forecast"]["test_predictions"]]
            now = [row[0] for row in self.actual]
            before = [self.forecast["series"][i - 1] for i in self.forecast["test_index"]]
            same, back = _pearson(forecast, now), _pearson(forecast, before)
            first, second = (back, same) if m.group(1).startswith("actual") else (same, back)
            ok = first > second and _rounded(m.group(2), first, 3) and _rounded(m.group(3), second, 3)
            self.claim("forecast lag", s, [] if ok else [f"same step {same}, one step back {back}"])
        m = re.search(r"split in time order, never shuffled: training (\S+)-(\S+), validation (\S+)-(\S+) and "
                      r"test (\S+)-(\S+?)\.", s)
        if m:
            splits = self.data["splits"]
            want = [t for part in ("train", "validation", "test") for t in splits[part]["time"]]
            self.claim("forecast split", s, [] if list(m.groups()) == want and self.data.get("window_part") else
                       [f"parts {want}"])
        m = re.search(r"The test part (rises to|falls to) (" + FV + r"), (above the highest|below the lowest) value of "
                      r"the training part \((" + FV + r")\)", s)
        if m:
            series, (a, b) = self.forecast["series"], self.forecast["bounds"]
            train, test = series[:a], series[b:]
            up = m.group(1) == "rises to"
            reached, limit = (max(test), max(train)) if up else (min(test), min(train))
            beyond = (reached - limit if up else limit - reached) > 0.05 * (max(train) - min(train))
            ok = beyond and _rounded(m.group(2), reached, 2) and _rounded(m.group(4), limit, 2)
            self.claim("forecast extrapolation", s, [] if ok else [f"test reaches {reached}, training {limit}"])
        m = re.search(r"The test part's values \((" + FV + r") to (" + FV + r")\) (lie within|go beyond) the range "
                      r"the training part covered \((" + FV + r") to (" + FV + r")\)", s)
        if m:
            series, (a, b) = self.forecast["series"], self.forecast["bounds"]
            train, test = series[:a], series[b:]
            span = max(train) - min(train)
            beyond = max(max(test) - max(train), min(train) - min(test))
            within = beyond <= 0 if m.group(3) == "lie within" else 0 < beyond <= 0.05 * span
            printed = [m.group(1), m.group(2), m.group(4), m.group(5)]
            values = [min(test), max(test), min(train), max(train)]
            ok = within and all(_rounded(p, v, 2) for p, v in zip(printed, values))
            self.claim("forecast extrapolation", s, [] if ok else [f"test {values[:2]}, training {values[2:]}"])
        m = re.search(r"have a correlation of (" + FV + r"), (outside|within) the ±(" + FV + r") that (\d+) errors", s)
        if m:
            errors = [a[0] - p[0] for a, p in zip(self.actual, self.main["forecast"]["test_predictions"])]
            r1, band = _lag1(errors), 2 / math.sqrt(len(errors))
            ok = (_rounded(m.group(1), r1, 3) and _rounded(m.group(3), band, 3) and int(m.group(4)) == len(errors)
                  and (abs(r1) > band) == (m.group(2) == "outside"))
            self.claim("forecast residuals", s, [] if ok else [f"r1 {r1}, band {band}"])
        m = re.search(r"The series' own one-step changes are not \((" + FV + r") from one test window to the next, "
                      r"inside the band\)", s)
        if m:
            changes = [a[0] - self.forecast["series"][i - 1] for a, i in zip(self.actual, self.forecast["test_index"])]
            r1 = _lag1(changes)
            ok = _rounded(m.group(1), r1, 3) and abs(r1) <= 2 / math.sqrt(len(changes))
            self.claim("forecast residual source", s, [] if ok else [f"the changes' r1 {r1}"])
        m = re.search(r"and most with the value (\d+) steps earlier \((" + FV + r")\)", s)
        if m:
            forecast = [row[0] for row in self.main["forecast"]["test_predictions"]]
            index, series = self.forecast["test_index"], self.forecast["series"]
            # shifts 0 to 5 back, at most a quarter of the windows (facts/forecast.py's MAX_SHIFT and its cap)
            by_shift = {k: _pearson(forecast, [series[i - k] for i in index])
                        for k in range(0, min(5, len(forecast) // 4) + 1) if min(index) - k >= 0}
            best = max(by_shift, key=lambda k: (by_shift[k], -k))
            ok = best == int(m.group(1)) and _rounded(m.group(2), by_shift[best], 3)
            self.claim("forecast best shift", s, [] if ok else [f"best shift {best}: {by_shift}"])
        m = (re.search(r"the actual value was (higher|lower) than the forecast on (\d+) of the (\d+) test windows, and "
                       r"the mean one-step error \(actual − forecast\) is (" + FV + r") \(95 % interval (" + FV + r") to ("
                       + FV + r")", s)
             or re.search(r"show no lean to one side that these (\d+) windows can establish: the mean one-step error "
                          r"\(actual − forecast\) is (" + FV + r"), with a 95 % interval that includes zero \((" + FV
                          + r") to (" + FV + r")\)", s))
        if m:
            errors = [a[0] - p[0] for a, p in zip(self.actual, self.main["forecast"]["test_predictions"])]
            n = len(errors)
            mean, var = _newey_west(errors, 1)
            half = 1.959963984540054 * math.sqrt(var / n)
            low, high = mean - half, mean + half
            if m.re.pattern.startswith("the actual"):
                higher = m.group(1) == "higher"
                count = sum(1 for e in errors if (e > 0 if higher else e < 0))
                printed_mean, printed_low, printed_high = m.group(4), m.group(5), m.group(6)
                ok = (int(m.group(2)) == count and int(m.group(3)) == n
                      and (low > 0 if higher else high < 0))
            else:
                printed_mean, printed_low, printed_high = m.group(2), m.group(3), m.group(4)
                ok = int(m.group(1)) == n and low <= 0 <= high
            ok = ok and all(_rounded(p, v, 2) for p, v in ((printed_mean, mean), (printed_low, low), (printed_high, high)))
            self.claim("forecast bias", s, [] if ok else [f"mean error {mean}, interval {low} to {high}"])
        m = re.search(r"The (\S+)'s (?:training diverged \(its loss became NaN or infinite\)|loss became (NaN|infinite)"
                      r"(?: in epoch (\d+)(?:, batch (\d+))?)?, so training stopped)", s)
        if m:
            stopped = self.main.get("stopped") or {}
            problems = [] if stopped.get("reason") == "nan_loss" and self.main.get("test") is None else [
                f"stopped {stopped}, test {self.main.get('test')}"]
            if m.group(2) and m.group(2) != stopped.get("value"):
                problems.append(f"the loss became {stopped.get('value')}")
            for printed, key in ((m.group(3), "epoch"), (m.group(4), "batch")):
                if printed and int(printed) != stopped.get(key):
                    problems.append(f"{key} {stopped.get(key)}")
            self.claim("forecast diverged", s, problems)
        m = re.search(r"Three panels on the (\d+) one-step test errors \(actual value minus the \S+'s forecast\): over "
                      r"time, from (" + FV + r") to (" + FV + r"); their histogram, with mean (" + FV + r"); and their "
                      r"autocorrelation at lags 1 to (\d+), (" + FV + r") at lag 1, (?:outside the ±(" + FV + r") band at "
                      r"lags? ((?:\d+(?:, | and )?)+)|within the ±(" + FV + r") band at every lag)", s)
        if m:
            self.claim("forecast residual figure", s, self.residual_figure_problems(m))
        for m in re.finditer(r"(?:trained with|minimise|minimising|loss ←|The loss is|the loss:) (?:the )?(mean squared error|"
                             r"mean absolute error|Huber loss)", s):
            said = ((self.record.get("spec") or {}).get("training") or {}).get("loss") or "mse"
            printed = LOSS_WORDS[m.group(1)]
            self.claim("forecast loss", s, [] if printed == said else [f"the spec's training.loss is {said}"])
        m = re.search(r"test MAE at each of the (\d+) steps ahead: (.+)\.$", s)
        if m:
            self.claim("forecast horizon figure", s, self.horizon_figure_problems(int(m.group(1)), m.group(2)))
        m = re.search(r"The (\S+)'s test MAE (grows with the horizon|grows by less than (\d+)\s?% over the horizon): ("
                      + FV + r") at step 1 and (" + FV + r") at step (\d+)", s)
        if m:
            steps = (self.main.get("forecast") or {}).get("mae_by_step") or []
            ok = (len(steps) == int(m.group(6)) and _rounded(m.group(4), steps[0], 2) and _rounded(m.group(5), steps[-1], 2)
                  and (steps[-1] >= 1.2 * steps[0]) == m.group(2).startswith("grows with"))
            if m.group(3):
                ok = ok and int(m.group(3)) == 20
            self.claim("forecast horizon", s, [] if ok else [f"MAE by step {steps}"])
        m = re.match(r"Of the (\d+) forecasts? set against it on the same test windows, the (\S+) (.+)\.$", s)
        if m:
            self.claim("forecast standing", s, self.standing_problems(int(m.group(1)), m.group(3)))
        m = re.search(r"Past the end of the series.*?, the \S+ forecasts ((?:" + FV + r" at step \d+(?:, )?)+)\.$", s)
        if m:
            future = self.main["forecast"]["future"] or []
            printed = re.findall(r"(" + FV + r") at step (\d+)", m.group(1))
            ok = [int(step) for _, step in printed] == list(range(1, len(future) + 1)) and all(
                _rounded(value, future[int(step) - 1], 2) for value, step in printed)
            self.claim("forecast future", s, [] if ok else [f"future {future}"])
        m = re.search(r"forecasts (" + FV + r") for the next step", s)
        if m:
            future = self.main["forecast"]["future"]
            self.claim("forecast future", s, [] if _rounded(m.group(1), future[0], 2) else [f"future {future}"])


STANDING_VERBS = {"beats": "better", "does worse than": "worse",
                  "cannot be told apart on this test part from": "unclear",
                  "has no test errors to compare with": "none"}


def _standing_clauses(body: str) -> list[tuple[str, list[str]]] | None:
    """'beats A and B, does worse than C, and cannot be told apart ... from D' -> [(verdict, [names])]."""
    body = body.replace("beats none of them", "beats")
    marks = list(re.finditer("|".join(re.escape(v) for v in sorted(STANDING_VERBS, key=len, reverse=True)), body))
    if not marks or marks[0].start() != 0:
        return None
    clauses = []
    for mark, after in zip(marks, marks[1:] + [None]):
        names = body[mark.end():after.start() if after else len(body)].strip().removesuffix(",").removesuffix(", and")
        names = [n.strip().removeprefix("the ") for n in re.split(r", and |, | and ", names) if n.strip()]
        clauses.append((STANDING_VERBS[mark.group(0)], names))
    return clauses


def check_forecast_text(text: str, record: dict, *, require_claims: bool = True) -> Counter:
    return _checked(ForecastChecker(record), text, require_claims, "forecast claims", "forecast claim")
