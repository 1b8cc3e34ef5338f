"""How much of TensorFlow's C++ log our processes print; it must be chosen before TensorFlow loads."""

from __future__ import annotations

from pathlib import Path

NVIDIA_DRIVER = Path("/proc/driver/nvidia/version")


def tensorflow_log_level() -> str:
    """The value for ``TF_CPP_MIN_LOG_LEVEL`` on this machine.

    Use it with ``os.environ.setdefault``, so that a level the user set (``0`` to debug) wins.
    Without a GPU driver, TensorFlow's CUDA probe logs "failed call to cuInit" as an error on every
    start, so even "warnings and errors only" (2) prints it; there, 3 (fatal only) is the level that
    hides it. With an NVIDIA driver such an error means something, so 2 keeps it. The few lines
    TensorFlow prints while it loads, before its log is set up, appear at any level.
    """
    return "2" if NVIDIA_DRIVER.exists() else "3"
