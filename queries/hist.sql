-- hist: Latency histogram: how many calls took how long, in log2 (or linear) duration buckets.
--
-- Counts completed calls (dur_ns not NULL) per bucket of duration. Durations are first cut to
-- whole units of $unit_ns (µs by default), like bpftrace's hist() over a value in µs; a log2
-- bucket [2^k, 2^(k+1)) holds the calls whose duration in units has its highest set bit at k, and
-- [0, 1) holds those shorter than one unit. With $step, buckets are [n*step, (n+1)*step) units.
-- One histogram per syscall (default) or per source line ($by = 'source', for traces recorded
-- with source locations; calls without one are left out). Per peer address: hist_target. Only
-- non-empty buckets are returned; the CLI fills the gaps.
--
-- Parameters:
--   $name      only this syscall (default: every syscall)
--   $by        'syscall' (default) or 'source' (one histogram per file:line)
--   $unit_ns   the unit durations are cut to, ns (default 1000: µs)
--   $step      linear buckets this many units wide (default: log2 buckets)
--
-- Columns:
--   trace      trace file (only when several traces are loaded)
--   key        what the histogram is of: the syscall name, or file:line
--   lo         bucket start, in units (inclusive)
--   hi         bucket end, in units (exclusive)
--   count      calls whose duration falls in [lo, hi)
WITH counted AS (
    -- Count per distinct value first: a trace has far fewer distinct durations than calls.
    SELECT
        trace,
        CASE WHEN $by = 'source' THEN src_file || ':' || src_line ELSE name END AS key,
        dur_ns // $unit_ns AS v,
        count(*) AS n
    FROM syscalls
    WHERE dur_ns >= 0 AND ($name IS NULL OR name = $name)
      AND ($by IS DISTINCT FROM 'source' OR src_file IS NOT NULL)
    GROUP BY ALL
)
SELECT
    trace,
    key,
    rn_hist_lo(v, $step) AS lo,
    rn_hist_hi(rn_hist_lo(v, $step), $step) AS hi,
    sum(n)::BIGINT AS count
FROM counted
GROUP BY ALL
ORDER BY trace, key, lo
