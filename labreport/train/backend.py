"""Choosing Keras' backend (TensorFlow, JAX or PyTorch) before Keras is imported, quietly."""

from __future__ import annotations

import os
import sys

from ..errors import LabreportError


def select_backend(backend: str) -> None:
    """Choose Keras' backend before Keras is imported; refuse a switch after."""
    already = sys.modules.get("keras")
    if already is not None:
        current = already.backend.backend()
        if current != backend:
            raise LabreportError(
                f"training.backend is '{backend}' but Keras was already loaded with the "
                f"'{current}' backend in this process.",
                hint="Restart the Python process (or notebook kernel) to switch backends.",
            )
        return
    os.environ["KERAS_BACKEND"] = backend
    # TensorFlow's C++ start-up chatter is noise in a student's terminal.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend == "jax":
        try:
            import jax  # noqa: F401 - only to check it is installed
        except ImportError:
            raise LabreportError(
                "training.backend is 'jax' but JAX is not installed.",
                hint="Install it with: pip install 'labreport[jax]', or set training.backend: tensorflow.",
            ) from None
    elif backend == "torch":
        try:
            import torch
        except ImportError:
            raise LabreportError(
                "training.backend is 'torch' but PyTorch is not installed.",
                hint=("Install it with: pip install 'labreport[torch]' (CPU only, without the CUDA libraries: "
                      "pip install torch --index-url https://download.pytorch.org/whl/cpu first), "
                      "or set training.backend: tensorflow."),
            ) from None
        if "OMP_NUM_THREADS" not in os.environ:
            # One thread: these LSTMs' per-step matrix products are too small to share between cores,
            # and PyTorch's threads wait on each other when the cores are busy.  On the 2-core machine
            # (load 3-5) one Keras training step of the default model took 163 ms on one thread and
            # 558 ms on two (BENCHMARKS.md).  OMP_NUM_THREADS set by the user wins.
            torch.set_num_threads(1)
    _import_keras_quietly(backend)


def _import_keras_quietly(backend: str) -> None:
    """Import Keras (and TensorFlow) with the C++ start-up log kept off the terminal.

    TensorFlow's native code prints oneDNN and CUDA notices to file descriptor 2
    before its logging is set up, so TF_CPP_MIN_LOG_LEVEL cannot silence them;
    the descriptor is pointed at a temporary file for the import and the first
    device query.  If the import fails, what it printed is shown after all.
    """
    import tempfile

    sys.stderr.flush()
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            import keras
            if backend == "tensorflow":
                import tensorflow as tf
                tf.config.list_physical_devices("GPU")
            else:
                # keras.utils.set_random_seed imports TensorFlow on every backend when it is
                # installed (to seed it too): import it here, while its start-up log is captured.
                import importlib.util
                if importlib.util.find_spec("tensorflow") is not None:
                    import tensorflow  # noqa: F401
            keras.ops.zeros((1,))
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
