"""--source benchmark: the cost of a stack walk per traced syscall, and DWARF loading time.

    python3 bench/bench_source.py [--runs 5] [--round-trips 2000] [--big /path/to/libpython3.so]

1. A network workload (TCP connect/send/recv/close round trips against a local echo server, the
   client built with -g -O2) traced with -e trace=network: untraced, ``renacer -w`` plain,
   ``renacer -w --source``, and, where this strace supports it, ``strace -k`` (its own stack
   traces, libunwind/libdw) beside plain strace. Medians of N interleaved runs; the cost per
   traced syscall is (median - untraced) / calls, and the ratio --source / plain is printed.
2. DWARF loading for a large binary (default: the libpython this Python runs on): the time to
   open it and symbolize a first address (CU look-up, one line program, DIE walk), then the
   next 50 addresses, and the time to prepare its CFI and find the unwind rule of 50 addresses.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import RENACER, build_c, echo_server, interleaved_medians  # noqa: E402


def strace_has_k() -> bool:
    res = subprocess.run(["strace", "-k", "-e", "trace=none", "-o", "/dev/null", "true"], capture_output=True)
    return res.returncode == 0


def network(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="renacer-bench-source-"))
    srv, port = echo_server()
    client = build_c(HERE / "echo_client.c", tmp / "echo_client", "-g")
    work = [client, str(port), str(args.round_trips)]
    trace = str(tmp / "t.parquet")
    configs = {
        "untraced": work,
        "renacer net": [*RENACER, "-q", "-e", "trace=network", "-w", trace, "--", *work],
        "renacer net --source": [*RENACER, "-q", "--source", "-e", "trace=network", "-w", trace, "--", *work],
        "strace net": ["strace", "-f", "-qq", "-e", "trace=%network", "-o", "/dev/null", *work],
        "renacer all": [*RENACER, "-q", "-w", trace, "--", *work],
        "renacer all --source": [*RENACER, "-q", "--source", "-w", trace, "--", *work],
    }
    if strace_has_k():
        configs["strace net -k"] = ["strace", "-f", "-qq", "-k", "-e", "trace=%network", "-o", "/dev/null", *work]
    med = interleaved_medians(configs, args.runs, warm=True)
    counts = {}
    for kind in ("net", "all"):
        subprocess.run(configs[f"renacer {kind} --source"], check=True, stdout=subprocess.DEVNULL)
        rows = pq.read_table(trace, columns=["kind", "src_line", "callchain"]).to_pylist()
        calls = [r for r in rows if r["kind"] == "syscall"]
        counts[kind] = len(calls)
        frames = [len(r["callchain"]) for r in calls if r["callchain"]]
        print(f"{kind}: {args.round_trips} round trips, {len(calls)} traced calls, "
              f"{sum(1 for r in calls if r['src_line'] is not None)} located by --source, "
              f"{statistics.mean(frames):.1f} frames/call")
    print(f"median of {args.runs} runs\n")
    print(f"{'config':<22} {'median s':>9} {'µs/traced call':>15}")
    per_call = {}
    for name in configs:
        calls = counts["all" if "all" in name else "net"]
        per_call[name] = (med[name] - med["untraced"]) / calls * 1e6
        print(f"{name:<22} {med[name]:>9.3f} {per_call[name]:>15.1f}")
    print("\n--source / plain renacer, per traced call: "
          f"{per_call['renacer net --source'] / per_call['renacer net']:.2f}x (-e trace=network), "
          f"{per_call['renacer all --source'] / per_call['renacer all']:.2f}x (every call)")
    if "strace net -k" in per_call:
        print(f"strace -k / plain strace, per traced call:  {per_call['strace net -k'] / per_call['strace net']:.2f}x")
        print(f"renacer --source / strace -k, per traced call: "
              f"{per_call['renacer net --source'] / per_call['strace net -k']:.2f}x")
    srv.close()


def dwarf(args: argparse.Namespace) -> None:
    from renacer.analyze.symbolize import ElfObject, ImageTable, Mapping, Symbolizer
    from renacer.capture.unwind import _CFI

    big = args.big or os.path.join(sysconfig.get_config_var("LIBDIR") or "", sysconfig.get_config_var("LDLIBRARY") or "")
    if not os.path.exists(big):
        print(f"\nno large binary at {big!r}; pass --big")
        return
    size = os.path.getsize(big)
    t0 = time.perf_counter()
    obj = ElfObject(big)
    funcs = []
    sec = obj.elf.get_section_by_name(".symtab") or obj.elf.get_section_by_name(".dynsym")
    for sym in sec.iter_symbols():
        if sym["st_info"]["type"] == "STT_FUNC" and sym["st_size"] > 32:
            funcs.append(sym["st_value"] + 16)
    funcs = funcs[:: max(1, len(funcs) // 51)][:51]
    t_open = time.perf_counter() - t0
    # a symbolizer over a fake mapping at bias 0 (addresses are the file's own)
    table = ImageTable()
    table.add(1, 0, [Mapping(0, 1 << 48, 0, big)])
    sym = Symbolizer(table, skip="^$")
    t0 = time.perf_counter()
    m = table.find(1, 0, funcs[0])
    first = sym.frames_at(m, funcs[0], False)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    located = sum(1 for a in funcs[1:] if sym.frames_at(m, a, False)[0].line is not None)
    t_next = time.perf_counter() - t0
    t0 = time.perf_counter()
    cfi = _CFI(obj.elf)
    t_cfi = time.perf_counter() - t0
    t0 = time.perf_counter()
    rules = sum(1 for a in funcs[:50] if cfi.rule(a) is not None)
    t_rules = time.perf_counter() - t0
    print(f"\nDWARF: {big} ({size / 1e6:.1f} MB, {len(cfi._locs)} FDEs)")
    print(f"  open ELF + symbol table scan:        {t_open * 1e3:8.1f} ms")
    print(f"  first address -> file:line:          {t_first * 1e3:8.1f} ms  ({first[0].file}:{first[0].line} in {first[0].func})")
    print(f"  next 50 addresses:                   {t_next * 1e3:8.1f} ms  ({located} with a line)")
    print(f"  CFI index (.eh_frame_hdr):           {t_cfi * 1e3:8.1f} ms")
    print(f"  unwind rules for 50 addresses:       {t_rules * 1e3:8.1f} ms  ({rules} found)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--round-trips", type=int, default=2000)
    ap.add_argument("--big", help="a large binary with DWARF")
    ap.add_argument("--only", choices=["network", "dwarf"])
    args = ap.parse_args()
    if args.only in (None, "network"):
        network(args)
    if args.only in (None, "dwarf"):
        dwarf(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
