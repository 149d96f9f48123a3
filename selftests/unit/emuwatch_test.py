#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The watchdog's recogniser (selftests/vm/emuwatch.py) against what QEMU's
monitor prints: the lost-interrupt hang in QEMU 7.2's and 11's words, and
every state that only looks like it. TAP on standard output."""
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "emuwatch", os.path.join(here, "..", "vm", "emuwatch.py"))
emuwatch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(emuwatch)


def regs(flags, hlt=1, ii=0, name="EFL"):
    return (f"RAX=0000000000000000 RBX=0000000000000000\n"
            f"RIP=ffffffff81a2c7fe {name}={flags:08x} [-------] CPL=0 "
            f"II={ii} A20=1 SMM=0 HLT={hlt}\n")


def lapic(irr, ppr=0x00, isr="(none)"):
    return ("dumping local APIC state for CPU 0\n\n"
            "LVTT\t 0x000400ec active-hi edge                             "
            "tsc-deadline (vec 236)\n"
            f"ISR\t {isr}\n"
            f"IRR\t {irr}\n\n"
            f"APR 0x00 TPR 0x00 DFR 0x0f LDR 0x01 PPR 0x{ppr:02x}\n")


cases = [
    # name, registers, lapic, hung?
    ("7.2: halted, IF set, timer pending above PPR", regs(0x246), lapic("236"), True),
    ("11: the same in RFL's words", regs(0x202, name="RFL"), lapic("236"), True),
    ("two vectors pending, one above PPR", regs(0x246), lapic("48 236", ppr=0x40), True),
    ("running, not halted", regs(0x246, hlt=0), lapic("236"), False),
    ("halted with IF clear (an honest stop)", regs(0x046), lapic("236"), False),
    ("in an interrupt shadow (sti; hlt)", regs(0x246, ii=1), lapic("236"), False),
    ("nothing pending (an idle guest)", regs(0x246), lapic("(none)"), False),
    ("pending, but not above PPR", regs(0x246), lapic("236", ppr=0xe0), False),
    ("pending in the same class as PPR", regs(0x246), lapic("230", ppr=0xe0), False),
    ("the monitor printed nothing useful", "", "", False),
]

print("TAP version 13")
failed = 0
for n, (name, r, l, want) in enumerate(cases, 1):
    got, why = emuwatch.hang_state(r, l)
    if got == want:
        print(f"ok {n} emuwatch: {name}: {'hang' if got else 'not a hang'}")
    else:
        failed += 1
        print(f"not ok {n} emuwatch: {name}: said {got} ({why})")
print(f"1..{len(cases)}")
sys.exit(1 if failed else 0)
