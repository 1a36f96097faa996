"""Plain facts about the run's data and model: sizes, shapes, parameter formulas.

Numbers and named values only; the templates turn them into sentences.
"""

from __future__ import annotations

import math
from pathlib import PurePath
from statistics import median  # the standard library's, not facts/statistics.py

from ..cells import CELL_TITLES
from ..sources import registry
from ..record import baseline_runs, main_run, variant_runs
from .curves import explosion, finite

# The training split is "balanced" while its largest class is at most this many times its smallest.
BALANCED_RATIO = 1.25
# A first epoch slower than this many times the median of the later ones carries one-time setup (building and
# tracing the model's graph): the per-epoch speed is then worded from the later epochs.
FIRST_EPOCH_SETUP = 1.5


def epoch_seconds(seconds, train_seconds=None) -> dict | None:
    """One model's epoch times: the first epoch's, the mean of the later ones, the mean of all and their sum, and
    whether the first carries one-time setup (FIRST_EPOCH_SETUP).  ``per_epoch`` is the mean a sentence states
    (the later epochs' where the first carries setup), ``total`` the sum of the epochs' own times, so that
    "X s per epoch ... Y s in all" adds up; train_seconds (model.fit's wall time) also holds what ran between them."""
    values = [v for v in seconds or [] if finite(v)]
    if not values:
        return None
    later = values[1:]
    typical = median(later) if later else None
    setup = bool(later) and typical > 0 and values[0] > FIRST_EPOCH_SETUP * typical
    after_first = sum(later) / len(later) if later else None
    mean = sum(values) / len(values)
    fit = train_seconds if finite(train_seconds) else None
    # model.fit's own time holds the epochs as the recorder timed them and what ran outside them: Keras' setup (its
    # data adapter, the callbacks' start and end) and the other callbacks' work between epochs (the checkpoint, the
    # batch record: 19 s of a 42 s fit in one default run, not broken down).  Section 2 states the fit's time, 7b
    # the epochs' sum: where the two differ as printed (to the hundredth of a second), the report says by how much.
    outside = fit - sum(values) if fit is not None else None
    return {"epochs": len(values), "single": len(values) == 1, "first": values[0], "after_first": after_first, "later_epochs": len(later),
            "mean": mean, "first_is_setup": setup, "per_epoch": after_first if setup else mean,
            "total": sum(values), "train_seconds": fit, "outside_epochs": outside,
            "outside_shown": outside is not None and round(fit, 2) != round(sum(values), 2)}


def dataset_facts(record: dict) -> dict:
    data = record.get("dataset") or {}
    sizes = data.get("sizes") or {}
    counts = (data.get("class_counts") or {}).get("train") or {}
    total_train = sum(counts.values())
    majority_class, majority = max(counts.items(), key=lambda kv: kv[1]) if counts else (None, 0)
    minority = min(counts.values()) if counts else 0
    ratio = majority / minority if minority else None
    lengths = data.get("lengths") or {}
    fixed = bool(lengths) and lengths.get("min") == lengths.get("max")
    example = data.get("example") or {}
    steps = set(example.get("important_steps") or [])
    tokens = example.get("tokens") or []
    shown_until = (max(steps) + 3) if steps else 30
    windows = data.get("important_windows") or []
    path = data.get("path")
    return {
        "source": data.get("source"),
        "kind": registry.kind(data.get("source")),  # what the words branch on (labreport/sources/registry.py)
        "name": data.get("name") or data.get("source"),
        "summary": data.get("summary"),
        "task": data.get("task"),
        "file_name": PurePath(str(path)).name if path else None,  # never the local folder
        "sizes": {"train": sizes.get("train"), "validation": sizes.get("validation"), "test": sizes.get("test")},
        # The labelled sequences a run learned from (training plus validation), as the data sentences count them.
        "labelled": (sizes.get("train") or 0) + (sizes.get("validation") or 0),
        "total": sum(v for v in sizes.values() if isinstance(v, int)),
        "class_names": data.get("class_names") or [],
        "n_classes": len(data.get("class_names") or []),
        "two_classes": len(data.get("class_names") or []) == 2,
        "balance": ("unavailable" if not counts else
                    "balanced" if ratio is not None and ratio <= BALANCED_RATIO else "imbalanced"),
        "majority_class": majority_class,
        "majority_share": majority / total_train if total_train else None,
        "largest_over_smallest": ratio,
        "sequence_length": data.get("sequence_length"),
        "lengths": ({"fixed": True} if fixed else
                    {"fixed": False, **{k: lengths.get(k) for k in ("mean", "median", "p90", "p99", "min", "max",
                                                                     "truncated_share")}}) if lengths else None,
        "padding": data.get("padding"),
        "truncating": data.get("truncating"),
        "standardization": data.get("standardization"),
        "vocabulary_size": data.get("vocabulary_size"),
        "oov_share": data.get("oov_share"),
        "chance_accuracy": data.get("chance_accuracy"),
        "min_lag": data.get("min_lag"),
        "windows": [{"first": w[0] + 1, "last": w[1] + 1} for w in windows],
        "seed": data.get("seed"),
        "example": {
            "label": example.get("label"),
            "text": example.get("text"),
            "tokens": [{"token": str(t), "important": i in steps} for i, t in enumerate(tokens[:shown_until])],
            "truncated": len(tokens) > shown_until,
        } if example else None,
        "symbols": data.get("symbols"),
        "num_words": data.get("num_words"), "index_from": data.get("index_from"),
        "start_char": data.get("start_char"), "oov_char": data.get("oov_char"), "skip_top": data.get("skip_top"),
        "series": _series_facts(data),
    }


def is_classified_series(data: dict) -> bool:
    """Is run.json's ``dataset`` a classified numeric series (timeseries-csv, task classify)?"""
    return data.get("source") == "timeseries-csv" and data.get("task") == "classify"


def _series_lengths(layout, unequal: dict) -> str:
    """What making the sequences one length did: "windows" (labelled rows cut into windows of lookback rows,
    all of one length), "unchanged" (none cut or padded), "padded" (some padded with zeros, some perhaps cut) or
    "truncated" (some cut, none padded)."""
    if layout != "sequences" or not unequal:
        return "windows"
    if unequal.get("padded_windows"):
        return "padded"
    if unequal.get("truncated_sequences"):
        return "truncated"
    return "unchanged"


def _series_facts(data: dict) -> dict | None:
    """How a classified numeric series became labelled sequences (timeseries-csv, task classify): the columns read
    at each step, the windows or sequences, how unequal lengths were made equal, how the split was made and what
    the scaling was fitted on.  None for other data."""
    if not is_classified_series(data):
        return None
    unequal = data.get("unequal_lengths") or {}
    lengths = data.get("sequence_lengths") or {}
    missing = data.get("missing") or {}
    splits = data.get("splits") or {}
    return {
        "layout": data.get("layout"),  # "sequences" (a window column groups the rows) or "rows" (labelled rows)
        "columns": list(data.get("input_columns") or data.get("columns") or []),
        "label_column": data.get("label_column"), "window_column": data.get("window_column"),
        "sequences": data.get("sequences"), "rows": data.get("rows"),
        "windows": sum(v for v in (data.get("sizes") or {}).values() if isinstance(v, int)),
        "length_min": lengths.get("min"), "length_max": lengths.get("max"),
        "equal_lengths": lengths.get("min") is not None and lengths.get("min") == lengths.get("max"),
        "unequal_method": unequal.get("method"), "length": unequal.get("length") or data.get("sequence_length"),
        "truncated": unequal.get("truncated_sequences") or 0, "padded": unequal.get("padded_windows") or 0,
        # what making the sequences one length did (_series_lengths); padding is always at the end, with zeros
        "lengths_verdict": _series_lengths(data.get("layout"), unequal),
        "lookback": data.get("lookback"), "stride": data.get("stride"), "window_label": data.get("window_label"),
        "split_by": data.get("split_by"), "split_seed": data.get("split_seed"),
        "fractions": list(splits.get("fractions") or []) if isinstance(splits, dict) else [],
        "missing_policy": missing.get("policy"), "missing_cells": missing.get("cells") or 0,
        "rows_dropped": missing.get("rows_dropped") or 0, "cells_filled": missing.get("cells_filled") or 0,
    }


def recurrent_formula(cell: str, m: int, n: int) -> dict:
    if cell == "lstm":
        return {"symbols": "4(m² + mn + m)", "formula": f"4({m}² + {m}·{n} + {m})", "value": 4 * (m * m + m * n + m)}
    if cell == "gru":  # Keras' GRU (reset_after=True) keeps two bias vectors per gate
        return {"symbols": "3(m² + mn + 2m)", "formula": f"3({m}² + {m}·{n} + 2·{m})",
                "value": 3 * (m * m + m * n + 2 * m)}
    return {"symbols": "m² + mn + m", "formula": f"{m}² + {m}·{n} + {m}", "value": m * m + m * n + m}


def parameter_rows(record: dict, model: dict | None = None, cell: str | None = None) -> list[dict]:
    """Each layer's parameter count from its formula with this run's sizes, beside Keras' count."""
    model = model or main_run(record)["model"]
    spec_layers = record["spec"]["model"]["recurrent"]
    vocabulary = record["dataset"].get("vocabulary_size")
    # Numeric inputs (a time series: no embedding, no vocabulary) carry one value per input column per step.
    features = len(record["dataset"].get("input_columns") or []) or None
    rows, n, recurrent_index = [], None, 0
    for layer in model["layers"]:
        kind = layer["type"]
        if kind == "Embedding":
            width = layer["units"] or 1
            v = layer["params"] // width
            rows.append({"layer": layer["name"], "type": kind, "symbols": "V × n", "formula": f"{v:,} × {width}",
                         "value": v * width, "keras": layer["params"], "V": v, "n": width})
            n = width
        elif kind == "CategoryEncoding":
            n = vocabulary
        elif kind in ("LSTM", "GRU", "SimpleRNN", "Bidirectional") and recurrent_index < len(spec_layers):
            layer_spec = spec_layers[recurrent_index]
            recurrent_index += 1
            this_cell = cell or layer_spec["cell"]
            m = layer_spec["units"]
            n_in = n if n is not None else (vocabulary or features or 1)
            formula = recurrent_formula(this_cell, m, n_in)
            if layer_spec.get("bidirectional"):
                formula = {"symbols": f"2 × {formula['symbols']}", "formula": f"2 × {formula['formula']}",
                           "value": 2 * formula["value"]}
            rows.append({"layer": layer["name"], "type": kind, **formula, "keras": layer["params"],
                         "m": m, "n": n_in, "cell": this_cell})
            n = m * (2 if layer_spec.get("bidirectional") else 1)
        elif kind == "Dense" and n is not None:
            k = layer["units"] or 1
            rows.append({"layer": layer["name"], "type": kind, "symbols": "(m + 1) × K",
                         "formula": f"({n} + 1) × {k}", "value": (n + 1) * k, "keras": layer["params"]})
            n = k
    for row in rows:
        row["matches"] = row["value"] == row["keras"]
    return rows


def model_facts(record: dict) -> dict:
    main = main_run(record)
    model = main.get("model") or {}
    spec = record.get("spec") or {}
    spec_layers = (spec.get("model") or {}).get("recurrent") or []
    training = spec.get("training") or {}
    data = record.get("dataset") or {}
    n_classes = len(data.get("class_names") or [])
    layers, recurrent_index = [], 0
    for layer in model.get("layers") or []:
        entry = {"name": layer["name"], "type": layer["type"], "params": layer["params"],
                 "output_shape": layer.get("output_shape"), "units": layer.get("units")}
        if layer["type"] == "Embedding":
            width = layer.get("units") or 1
            entry["input_dim"] = layer["params"] // width
        if layer["type"] in ("LSTM", "GRU", "SimpleRNN", "Bidirectional") and recurrent_index < len(spec_layers):
            layer_spec = spec_layers[recurrent_index]
            recurrent_index += 1
            entry.update({"cell": layer_spec["cell"], "cell_title": CELL_TITLES.get(layer_spec["cell"]),
                          "dropout": layer_spec.get("dropout") or 0, "recurrent_dropout":
                          layer_spec.get("recurrent_dropout") or 0, "bidirectional": bool(layer_spec.get("bidirectional")),
                          "returns_sequences": recurrent_index < len(spec_layers)})
        layers.append(entry)
    rows = parameter_rows(record) if model.get("layers") else []
    lstm_row = next((row for row in rows if row.get("cell") == "lstm"), None)
    embedding_row = next((row for row in rows if row["type"] == "Embedding"), None)
    history = main.get("history") or {}
    batches = (main.get("batch_history") or {}).get("batches_per_epoch")
    if not batches and training.get("batch_size"):
        batches = max(1, math.ceil(((data.get("sizes") or {}).get("train") or 0) / training["batch_size"]))
    main_cell = spec_layers[0]["cell"] if spec_layers else None
    return {
        "name": model.get("name"),
        "main_cell": main_cell,
        "main_title": CELL_TITLES.get(main_cell, main_cell),
        "layers": layers,
        "total_params": model.get("total_params"),
        "trainable_params": model.get("trainable_params"),
        "non_trainable_params": model.get("non_trainable_params"),
        "parameter_rows": rows,
        "formula_total": sum(row["value"] for row in rows),
        "lstm": lstm_row,
        "embedding": embedding_row,
        "simple_rnn_same_size": recurrent_formula("simple_rnn", lstm_row["m"], lstm_row["n"])["value"]
        if lstm_row else None,
        "output": {"units": 1 if n_classes == 2 else n_classes,
                   "activation": "sigmoid" if n_classes == 2 else "softmax",
                   "loss": "binary" if n_classes == 2 else "categorical"},
        "optimizer": training.get("optimizer"),
        "learning_rate": training.get("learning_rate"),
        "clipnorm": training.get("clipnorm"),
        "batch_size": training.get("batch_size"),
        "validation_split": training.get("validation_split"),
        "validation_shuffle": bool(training.get("validation_shuffle")),
        "batches_per_epoch": batches,
        "epochs_planned": training.get("epochs"),
        "epochs_run": len(history.get("loss") or []),
        "updates": (batches or 0) * len(history.get("loss") or []),
        "forget_bias": spec_layers[0].get("forget_bias") if spec_layers else None,
        "seed": record.get("seed"),
    }


def comparison_rows(record: dict) -> list[dict]:
    """The main model and each baseline side by side (test, best validation, speed, size)."""
    # The main model first, then the baselines (cells); variants are rows of their own (variant_rows), since
    # every sentence that names "the baselines" means other cells.
    entries = [main_run(record), *baseline_runs(record)]
    if len(entries) < 2 and not variant_runs(record):
        return []
    return [_table_row(entry) for entry in entries]


def variant_rows(record: dict) -> list[dict]:
    """Each variant of the main model (model.compare's mappings) as a row of the comparison table, with the
    settings it changed (``variant``)."""
    return [{**_table_row(entry), "variant": entry.get("variant") or {}} for entry in variant_runs(record)]


def speed_basis(*row_lists: list[dict]) -> dict:
    """The per-epoch times the models are compared by, set on each row as ``seconds_compared``: the mean of the epochs
    after the first ("after_first") where any model's first epoch carries one-time setup and every model ran two
    epochs or more, else the mean of all ("all"), so that one model's graph building does not decide the comparison."""
    rows = [row for rows in row_lists for row in rows]
    # A model that diverged has no comparable time (timing_comparable): its epochs ran on exploded weights, and
    # the last may be partial; it is neither compared nor lets its epochs choose the basis.
    def comparable_time(row):
        return (row.get("timing_comparable") or {}).get("verdict", "comparable") == "comparable"

    comparable = [row for row in rows if comparable_time(row)]
    timed = [row["epoch_seconds"] for row in comparable if row.get("epoch_seconds")]
    after_first = (bool(timed) and len(timed) == len(comparable) and all(t["later_epochs"] for t in timed)
                   and any(t["first_is_setup"] for t in timed))
    for row in rows:
        t = row.get("epoch_seconds") if comparable_time(row) else None
        row["seconds_compared"] = (t["after_first"] if after_first else t["mean"]) if t else None
    return {"basis": "after_first" if after_first else "all"}


def timing_comparable(entry: dict) -> dict:
    """Whether one model's seconds per epoch can be compared with another's: not where it diverged (its epochs
    after the explosion computed with exploded or non-finite values, and the epoch it stopped in ran only some of
    its batches), ``diverged`` then, with where its loss exploded and where it stopped."""
    stopped = entry.get("stopped") or {}
    if stopped.get("reason") != "nan_loss":
        return {"verdict": "comparable"}
    batches = entry.get("batch_history") or {}
    per_epoch = batches.get("batches_per_epoch")
    where = explosion(batches, stopped)
    return {"verdict": "diverged", "exploded_epoch": where.get("epoch"), "stop_epoch": stopped.get("epoch"),
            "stop_batch": stopped.get("batch"), "batches_per_epoch": per_epoch,
            "ran_on": bool(where.get("earlier_epoch")),  # epochs after the explosion's ran on exploded weights
            "partial": bool(per_epoch and stopped.get("batch") and stopped["batch"] < per_epoch)}


def _table_row(entry: dict) -> dict:
    """One model's row of the comparison table: test, best validation, speed, size."""
    val_acc = [v for v in (entry["history"].get("val_accuracy") or []) if finite(v)]
    seconds = [v for v in ((entry.get("timing") or {}).get("seconds_per_epoch") or []) if finite(v)]
    first_09 = next((i + 1 for i, v in enumerate(entry["history"].get("val_accuracy") or [])
                     if finite(v) and v >= 0.9), None)
    test = entry.get("test") or {}
    return {
        "cell": entry["cell"], "title": CELL_TITLES.get(entry["cell"], entry["cell"]),
        "test_accuracy": test.get("accuracy") if finite(test.get("accuracy")) else None,
        "test_loss": test.get("loss") if finite(test.get("loss")) else None,
        "best_val_accuracy": max(val_acc) if val_acc else None,
        "epoch_reaching_0_9": first_09,
        "params": entry["model"]["total_params"],
        "seconds_per_epoch": sum(seconds) / len(seconds) if seconds else None,
        "epoch_seconds": epoch_seconds(seconds),
        "timing_comparable": timing_comparable(entry),
    }
