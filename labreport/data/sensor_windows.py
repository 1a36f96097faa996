"""Seeded sensor-like labelled windows, in the ``window_column`` layout, so classification runs offline.

Each window is a 3-axis accelerometer-like recording of one activity by one subject, sampled at
``rate_hz``: a gravity component on one axis, a periodic movement whose frequency and amplitude depend on
the activity (walking, running, sitting, climbing stairs), a per-subject offset and gain on every axis (the
way one person wears the sensor differently from another), and Gaussian noise.  Sitting is nearly still;
walking and climbing stairs share rhythm, tilt and energy and differ only in the shape of the vertical wave
(its second harmonic), so those two need the order of the samples, not their mean and spread.  With ``length_jitter`` > 0 the windows have unequal lengths.

``sensor_table`` returns the rows as CSV text (header: window, subject, t, acc_x, acc_y, acc_z, activity);
``write_sensor_csv`` writes that text to a file for ``timeseries.read_series``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

# activity: (frequency Hz, amplitude g, vertical harmonic share, tilt of gravity toward x).  Walking and
# climbing stairs have the same tilt and the same energy on every axis (the vertical wave is normalised),
# so a window's mean and spread alone barely tell them apart: the shape of the vertical wave over time does.
ACTIVITIES: dict[str, tuple[float, float, float, float]] = {
    "walking": (1.8, 0.40, 0.05, 0.15),
    "running": (2.8, 0.90, 0.20, 0.15),
    "sitting": (0.0, 0.02, 0.00, 0.55),
    "stairs": (1.8, 0.40, 0.60, 0.15),
}
COLUMNS = ("window", "subject", "t", "acc_x", "acc_y", "acc_z", "activity")


def sensor_rows(*, seed: int = 0, subjects: int = 6, windows_per_activity: int = 4, length: int = 64,
                length_jitter: int = 0, rate_hz: float = 25.0, noise: float = 0.08,
                activities: tuple[str, ...] = tuple(ACTIVITIES)) -> list[tuple]:
    """The table's rows: one tuple per time step of each window, windows in a seeded order."""
    unknown = [a for a in activities if a not in ACTIVITIES]
    if unknown:
        raise ValueError(f"unknown activities {unknown}; known: {', '.join(ACTIVITIES)}")
    if length < 2 or length_jitter < 0 or length_jitter >= length:
        raise ValueError("length must be at least 2 and length_jitter in [0, length)")
    rng = np.random.default_rng(seed)
    offsets = rng.normal(0.0, 0.05, size=(subjects, 3))
    gains = rng.uniform(0.85, 1.15, size=subjects)
    plan = [(s, a, k) for s in range(subjects) for a in activities for k in range(windows_per_activity)]
    order = rng.permutation(len(plan))
    rows = []
    for number, i in enumerate(order, start=1):
        subject, activity, _ = plan[i]
        frequency, amplitude, harmonic, tilt = ACTIVITIES[activity]
        n = length + (int(rng.integers(-length_jitter, length_jitter + 1)) if length_jitter else 0)
        t = np.arange(n) / rate_hz
        phase = rng.uniform(0, 2 * np.pi)
        f = frequency * rng.uniform(0.92, 1.08)
        wave = np.sin(2 * np.pi * f * t + phase)
        second = np.sin(4 * np.pi * f * t + 2 * phase)
        x = tilt + 0.5 * amplitude * wave
        y = 0.3 * amplitude * np.cos(2 * np.pi * f * t + phase)
        shape = ((1 - harmonic) * wave + harmonic * second) / np.hypot(1 - harmonic, harmonic)
        z = 1.0 - tilt + amplitude * shape
        signal = np.stack([x, y, z], axis=1) * gains[subject] + offsets[subject]
        signal += rng.normal(0.0, noise, size=signal.shape)
        name = f"w{number:04d}"
        for step in range(n):
            rows.append((name, f"s{subject + 1}", round(float(t[step]), 4),
                         *(round(float(v), 5) for v in signal[step]), activity))
    return rows


def sensor_table(**options) -> str:
    """The generated windows as CSV text (see ``sensor_rows`` for the options)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(sensor_rows(**options))
    return out.getvalue()


def write_sensor_csv(path, **options) -> Path:
    """Write ``sensor_table(**options)`` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(sensor_table(**options), encoding="utf-8")
    return path
