"""The limits of an import run for someone at a distance (the upload page): the file's size, and the memory
and wall-clock time its background job may use, so that a file that slips past the reader's checks cannot
take the server's memory or a process for ever.

:func:`bounded` is for a process of the job's own (a Dash background callback runs in one): it lowers the
process's address-space limit and sets an alarm, and puts both back afterwards. The command line imports
without it (its operator sees and stops it).
"""
from __future__ import annotations

import contextlib
import resource
import signal
import threading

UPLOAD_BYTES = 50 << 20  # the largest file the upload page takes (larger ones: the command line)
UPLOAD_MEMORY_BYTES = 1536 << 20  # address space the job may add to what its process holds
UPLOAD_SECONDS = 15 * 60  # an import of the largest demo file takes ~1 minute


def request_bytes(file_bytes: int) -> int:
    """The size of a browser request that carries a file of ``file_bytes`` (base64 in a Dash callback's JSON),
    with room for the callback's other values."""
    return file_bytes * 4 // 3 + (1 << 20)


class LimitExceeded(Exception):
    """The job ran out of its memory or time; nothing was changed (the import's transaction is rolled back)."""

    def __init__(self, what: str):
        self.what = what  # "memory" | "time"
        super().__init__(f"import exceeded its {what} limit")


def _address_space() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


@contextlib.contextmanager
def bounded(memory_bytes: int | None = None, seconds: float | None = None):
    """Run the block with at most ``memory_bytes`` more address space and ``seconds`` of wall-clock time
    (default: the upload limits); raises :class:`LimitExceeded`. Only in a process's main thread."""
    memory_bytes = UPLOAD_MEMORY_BYTES if memory_bytes is None else memory_bytes
    seconds = UPLOAD_SECONDS if seconds is None else seconds
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("limits.bounded runs in a process's main thread (a background job's own process)")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + memory_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)

    def alarm(_signal, _frame):
        raise LimitExceeded("time")

    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    except MemoryError:
        raise LimitExceeded("memory") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
