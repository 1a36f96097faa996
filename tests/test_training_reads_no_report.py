"""Training reads only training fields: the baselines are model.compare, and no report module is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from conftest import REPO, tiny_spec_text
from labreport.spec import validate_spec

# argv: work folder, spec text.  Trains in a fresh interpreter and reports what it imported.
WORKER = r"""
import json, sys
from pathlib import Path
import yaml
from labreport.spec import validate_spec
spec = validate_spec(yaml.safe_load(sys.argv[2]))
# Validating the spec's report.worksheet loaded the format list; forget it, so that a
# training step that reads the report's modules imports them again and is seen.
for name in [m for m in sys.modules if m.startswith("labreport.report")]:
    del sys.modules[name]
before = set(sys.modules)
from labreport.pipeline import train_experiment
record = train_experiment(spec, Path(sys.argv[1]), progress="none", log=lambda *_: None)
loaded = sorted(m for m in set(sys.modules) - before if m.startswith("labreport.report"))
print("RESULT " + json.dumps({"baselines": [b["cell"] for b in record["models"][1:]], "report_modules": loaded}))
"""


def test_the_default_baseline_is_a_training_field():
    spec = validate_spec(yaml.safe_load(tiny_spec_text().replace("  compare: [simple_rnn]\n", "")))
    assert spec.model.compare == ["simple_rnn"] and [b.name for b in spec.baselines()] == ["simple_rnn"]
    assert "compare" not in spec.report_fields()["report"]


def test_training_imports_no_report_module_and_trains_the_compare_cells(tmp_path):
    spec = tiny_spec_text("order", epochs=1).replace("compare: [simple_rnn]", "compare: [gru]") + \
        "report: {worksheet: seminar}\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("KERAS_BACKEND", None)
    result = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path / "run"), spec], capture_output=True,
                            text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    found = json.loads(result.stdout.split("RESULT ", 1)[1])
    assert found == {"baselines": ["gru"], "report_modules": []}
