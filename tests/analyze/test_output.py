"""The output layer's one plain-text table (analyze/output.py): the analyzer's tables off a
terminal, and the layouts of ``-c`` (the guide's and strace's) expressed with it."""
from __future__ import annotations

from renacer.analyze import output

GUIDE_HEAD = ("Syscall", "Calls", "Errors", "Total Time", "Avg Time", "p50", "p90", "p99")
# The guide's -c column widths (README), less the two blanks between columns.
GUIDE_MIN = (15, 7, 7, 12, 10, 7, 7, 7)


def test_plain_table_pads_right_aligns_numbers_and_rules_the_header() -> None:
    text = output.plain_table(["syscall", "calls", "total_ns"], [("connect", 3, 693_300), ("read", 12, None)])
    assert text == ("syscall  calls    total\n"
                    "-------  -----  -------\n"
                    "connect      3  693.3µs\n"
                    "read        12        -\n")


def test_an_empty_table_says_so_under_its_rule() -> None:
    assert output.plain_table(["a", "b"], []) == "a  b\n-  -\n(no rows)\n"


def test_text_table_gives_the_guides_summary_layout() -> None:
    rows = [("socket", "1", "0", "0.03ms", "0.030ms", "-", "-", "-"),
            ("recvfrom", "2", "0", "0.51ms", "0.255ms", "0.255ms", "0.451ms", "0.496ms"),
            ("total", "3", "0", "0.54ms", "0.180ms", "-", "-", "-")]
    text = output.text_table(GUIDE_HEAD, rows, min_widths=GUIDE_MIN, rules_before=())
    assert text.splitlines() == [  # the README's -c table, line for line
        "Syscall          Calls    Errors   Total Time    Avg Time    p50      p90      p99",
        "socket           1        0        0.03ms        0.030ms     -        -        -",
        "recvfrom         2        0        0.51ms        0.255ms     0.255ms  0.451ms  0.496ms",
        "total            3        0        0.54ms        0.180ms     -        -        -",
    ]


def test_text_table_gives_straces_summary_layout_with_a_rule_above_the_total() -> None:
    rows = [("read", "12", "0", "0.000120", "0.000010"), ("total", "12", "0", "0.000120", "0.000010")]
    text = output.text_table(("Syscall", "Calls", "Errors", "Total Time", "Avg Time"), rows,
                             right=(False, True, True, True, True), rules_before=(0, len(rows) - 1))
    assert text.splitlines() == [
        "Syscall  Calls  Errors  Total Time  Avg Time",
        "-------  -----  ------  ----------  --------",
        "read        12       0    0.000120  0.000010",
        "-------  -----  ------  ----------  --------",
        "total       12       0    0.000120  0.000010",
    ]
    only_total = output.text_table(("a",), [("total",)], rules_before=(0, 0))
    assert only_total == "a\n-----\n-----\ntotal\n"
