"""One run at a time per output folder: a second run, or a batch worker, into a locked folder is refused clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_checks import assert_clean_failure, invoke
from conftest import REPO, tiny_spec_text
from labreport.batch import run_one
from labreport.errors import OutputError, OutputFolderBusy
from labreport.output_lock import LOCK_NAME, output_folder_lock

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the lock is fcntl.flock (POSIX)")

HOLDER = r"""
import sys
from labreport.output_lock import output_folder_lock
with output_folder_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes stdin
"""


@pytest.fixture
def held_by_another_process():
    """Lock a folder from a second process; yields that process (the lock goes when its stdin closes)."""
    holders = []

    def hold(folder: Path) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        process = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True, env=env)
        holders.append(process)
        assert process.stdout.readline().strip() == "held"
        return process

    yield hold
    for process in holders:
        process.communicate(timeout=60)


def test_a_held_folder_is_refused_with_the_holders_pid(tmp_path):
    with output_folder_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())
        with pytest.raises(OutputFolderBusy) as refused:
            with output_folder_lock(tmp_path):
                pytest.fail("took a lock that is held")
    assert refused.value.holder_pid == os.getpid()
    assert isinstance(refused.value, OutputError) and refused.value.exit_code == 1
    assert str(refused.value) == (f"Another labreport run (process {os.getpid()}) is writing to the output folder "
                                  f"{tmp_path}.\nWait for it to finish, or choose another output folder with --out.")
    assert not (tmp_path / LOCK_NAME).exists()


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_the_lock_is_released_after_an_error_or_ctrl_c(tmp_path, error):
    with pytest.raises(error):
        with output_folder_lock(tmp_path):
            raise error()
    assert not (tmp_path / LOCK_NAME).exists()
    with output_folder_lock(tmp_path):
        pass


def test_a_lock_file_left_by_a_killed_run_is_not_a_lock(tmp_path):
    # SIGKILL leaves the file, but the operating system has dropped the process's lock on it.
    (tmp_path / LOCK_NAME).write_text("4194999\n")
    with output_folder_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_second_run_into_the_same_folder_exits_with_a_clear_message(tmp_path, monkeypatch, held_by_another_process):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(tiny_spec_text("tiny", epochs=1).replace("compare: [simple_rnn]", "compare: []"))
    run_dir = Path("out") / "tiny"
    (tmp_path / run_dir).mkdir(parents=True)
    holder = held_by_another_process(tmp_path / run_dir)

    refused = invoke("run", "tiny.yaml", "--out", "out", "--quiet")
    assert assert_clean_failure(refused, 1) == (
        f"Error: Another labreport run (process {holder.pid}) is writing to the output folder {run_dir}.\n"
        "Wait for it to finish, or choose another output folder with --out.\n")
    assert sorted(p.name for p in (tmp_path / run_dir).iterdir()) == [LOCK_NAME]  # nothing trained, nothing written

    holder.communicate(timeout=60)  # the first run ends: the folder is free
    again = invoke("run", "tiny.yaml", "--out", "out", "--quiet")
    assert again.exit_code == 0, again.output
    assert (tmp_path / run_dir / "run.json").is_file() and not (tmp_path / run_dir / LOCK_NAME).exists()


def test_a_batch_worker_takes_the_same_lock(tmp_path, held_by_another_process):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(tiny_spec_text("tiny"))
    (tmp_path / "out" / "tiny").mkdir(parents=True)
    holder = held_by_another_process(tmp_path / "out" / "tiny")
    outcome = run_one({"name": "tiny", "spec_path": str(spec), "out_dir": str(tmp_path / "out"),
                       "action": "render", "fingerprint": None, "rows": []})
    assert outcome["status"] == "failed"
    assert outcome["reason"].startswith(f"Another labreport run (process {holder.pid}) is writing to the output "
                                        f"folder {tmp_path / 'out' / 'tiny'}.")
