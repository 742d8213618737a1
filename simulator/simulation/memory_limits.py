"""How much memory this process may still use: the least of the machine's available memory, the process's own
address-space limit (RLIMIT_AS, `ulimit -v`) and its container's (cgroup v2 memory.max, v1
memory.limit_in_bytes), each less what is in use. A run checked against the machine's memory alone was accepted
under a 3 GB limit and died half-way; this is what the up-front check compares its estimate with."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

UNKNOWN = 2**63 - 1  # not known (not Linux, no limit): never the reason to refuse
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Room:
    """Bytes still usable, and what bounds them, in words ("available on this machine", "the process limit ...")."""

    bytes: int
    bound: str


def memory_room(proc: Path = Path("/proc"), cgroups: Path = CGROUP_ROOT) -> Room:
    """The tightest of the machine's, the process's and the container's room (`proc`, `cgroups`: for tests)."""
    rooms = [Room(machine_available(proc), "available on this machine now"),
             Room(process_room(proc), "left under this process's memory limit (RLIMIT_AS, ulimit -v)"),
             Room(container_room(proc, cgroups), "left under the container's memory limit (cgroup)")]
    return min(rooms, key=lambda room: room.bytes)


def machine_available(proc: Path = Path("/proc")) -> int:
    """MemAvailable on Linux, else free physical pages, else UNKNOWN."""
    try:
        for line in (proc / "meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return UNKNOWN


def process_room(proc: Path = Path("/proc"), limit: int | None = None) -> int:
    """RLIMIT_AS (or `limit`) less this process's address space now (VmSize); UNKNOWN without a limit."""
    if limit is None:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        limit = soft
    if limit == resource.RLIM_INFINITY or limit < 0:
        return UNKNOWN
    try:
        pages = int((proc / "self" / "statm").read_text(encoding="ascii").split()[0])
        used = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    return max(0, limit - used)


def container_room(proc: Path = Path("/proc"), cgroups: Path = CGROUP_ROOT) -> int:
    """The cgroup's memory limit less its usage: v2 (memory.max, memory.current) or v1 (memory.limit_in_bytes,
    memory.usage_in_bytes), in this process's cgroup or, inside a container whose cgroup is its root, at the
    root. UNKNOWN without a limit ("max", or v1's huge number)."""
    try:
        lines = (proc / "self" / "cgroup").read_text(encoding="ascii").splitlines()
    except OSError:
        return UNKNOWN
    folders = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        relative = path.lstrip("/")
        if controllers == "":  # v2: one hierarchy
            folders += [(cgroups / relative, "memory.max", "memory.current"),
                        (cgroups / "unified" / relative, "memory.max", "memory.current")]
        elif "memory" in controllers.split(","):
            folders.append((cgroups / "memory" / relative, "memory.limit_in_bytes", "memory.usage_in_bytes"))
            folders.append((cgroups / "memory", "memory.limit_in_bytes", "memory.usage_in_bytes"))
    rooms = [_room(folder / limit, folder / usage) for folder, limit, usage in folders]
    return min(rooms, default=UNKNOWN)


def _room(limit_file: Path, usage_file: Path) -> int:
    try:
        text = limit_file.read_text(encoding="ascii").strip()
        limit = UNKNOWN if text == "max" else int(text)
        usage = int(usage_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return UNKNOWN
    return UNKNOWN if limit >= 2**62 else max(0, limit - usage)  # v1 writes "no limit" as a huge number
