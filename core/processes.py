"""Who is running a piece of work, and whether that process still exists.

A process is named ``host:pid:start`` — the host name, the process id and the process's
start time in clock ticks since boot (``/proc/<pid>/stat``, field 22). With the start time a
reused pid does not pass for the process that died. Liveness can only be judged on the same
host; for another host the answer is "unknown" (``None``)."""

import os
import socket


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time) of a process from /proc, or None where there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            text = handle.read()
    except FileNotFoundError:
        return ("X", "") if os.path.isdir("/proc/self") else None
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces or ")".
    fields = text[text.rfind(")") + 2 :].split()
    return fields[0], fields[19]


def process_identity() -> str:
    """This process's name, ``host:pid:start``."""
    pid = os.getpid()
    stat = _proc_stat(pid)
    return f"{socket.gethostname()}:{pid}:{stat[1] if stat else ''}"


def process_alive(identity: str) -> bool | None:
    """Whether the named process still runs: False when it is gone (or a zombie, or its pid
    now belongs to a later process), None when that cannot be told (another host, a
    malformed name)."""
    try:
        host, pid_text, start = identity.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return None
    if host != socket.gethostname() or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    stat = _proc_stat(pid)
    if stat is None:
        return True
    state, started = stat
    if state in ("Z", "X"):
        return False
    return not start or started == start
