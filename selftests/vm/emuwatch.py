#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Watch a test VM for the emulator's lost-interrupt hang.

Usage: emuwatch.py PIDFILE MONITOR_SOCKET EVIDENCE_FILE

Debian 12's QEMU 7.2 (TCG, emulated AMD SVM) sometimes stops a test VM for
good after nested-guest activity, always in one state: the only vCPU is
halted with interrupts enabled (IF set, no interrupt shadow), an interrupt
(the LAPIC timer) waits in the IRR above the processor priority and is
never taken, and QEMU itself sleeps. No software inside the VM can cause
that: a halted CPU with IF set takes a pending interrupt of higher priority
than PPR. Documentation/testing.rst has the measurements.

This runs beside QEMU (boot.sh starts it) and only looks. When QEMU has used
no CPU time for IDLE_S seconds it asks the monitor (HMP) for the vCPU's
registers and its local APIC. Only when LOOKS looks, GAP_S seconds apart,
all show exactly that state, with no CPU time used in between, it writes
the evidence to EVIDENCE_FILE and kills QEMU; boot.sh then boots the VM
again (a bounded number of times). Anything else, a guest that is merely
slow or idle, or a hang of any other shape, is left to the VM's timeout and
fails the run as before.
"""
import os
import re
import signal
import socket
import sys
import time

IDLE_S = 20
LOOKS = 3
GAP_S = 5
POLL_S = 1


def cpu_ticks(pid):
    """User plus system time of the process, in clock ticks, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


class Monitor:
    """A connection to QEMU's human monitor."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.read_prompt()

    def read_prompt(self):
        data = b""
        while not data.endswith(b"(qemu) "):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("monitor closed")
            data += chunk
        return data.decode(errors="replace")

    def ask(self, command):
        self.sock.sendall(command.encode() + b"\n")
        text = self.read_prompt()
        # The monitor echoes the command with terminal escapes; drop them.
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
        return text.replace("\r", "")

    def close(self):
        self.sock.close()


def hang_state(registers, lapic):
    """(True, why) when the vCPU is in the lost-interrupt state."""
    eflags = re.search(r"\b[ER]FL=([0-9a-f]+)", registers)
    halted = re.search(r"\bHLT=1\b", registers)
    shadow = re.search(r"\bII=1\b", registers)
    irr = re.search(r"^IRR\s+(.*)$", lapic, re.M)
    ppr = re.search(r"PPR\s+0x([0-9a-f]+)", lapic)
    if not (eflags and halted and irr and ppr) or shadow:
        return False, "not halted, or the state could not be read"
    if not int(eflags.group(1), 16) & 0x200:
        return False, "halted with IF clear"
    vectors = [int(v) for v in re.findall(r"\d+", irr.group(1))]
    prio = int(ppr.group(1), 16) >> 4
    pending = [v for v in vectors if v >> 4 > prio]
    if not pending:
        return False, "no interrupt pending above PPR"
    return True, (f"vCPU halted with IF set, IRR {vectors} above "
                  f"PPR 0x{int(ppr.group(1), 16):02x}, never taken")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pidfile, path, evidence = sys.argv[1:4]
    # QEMU writes its pid file early; it may not be there yet.
    for _ in range(600):
        try:
            with open(pidfile) as f:
                pid = int(f.read())
            break
        except (OSError, ValueError):
            time.sleep(0.1)
    else:
        return 0
    last, idle_since = None, time.monotonic()
    while True:
        time.sleep(POLL_S)
        ticks = cpu_ticks(pid)
        if ticks is None:
            return 0
        now = time.monotonic()
        if ticks != last:
            last, idle_since = ticks, now
            continue
        if now - idle_since < IDLE_S:
            continue
        seen = []
        try:
            mon = Monitor(path)
            for i in range(LOOKS):
                if i:
                    time.sleep(GAP_S)
                regs = mon.ask("info registers")
                lapic = mon.ask("info lapic")
                hung, why = hang_state(regs, lapic)
                if not hung or cpu_ticks(pid) != last:
                    break
                seen.append((why, regs, lapic))
            mon.close()
        except OSError:
            seen = []
        if len(seen) == LOOKS:
            with open(evidence, "w") as f:
                f.write(f"emulator hang: {seen[-1][0]}; QEMU used no CPU "
                        f"for {int(time.monotonic() - idle_since)} s\n")
                for n, (why, regs, lapic) in enumerate(seen, 1):
                    f.write(f"--- look {n}: {why}\n{regs}\n{lapic}\n")
            os.kill(pid, signal.SIGKILL)
            return 0
        # Not that state: wait for another idle stretch before asking again.
        last, idle_since = cpu_ticks(pid), time.monotonic()


if __name__ == "__main__":
    sys.exit(main())
