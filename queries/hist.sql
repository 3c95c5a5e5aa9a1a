-- hist: Latency histogram: how many calls took how long, in log2 (or linear) duration buckets.
--
-- Counts completed calls (dur_ns not NULL) per bucket of duration. Durations are first cut to
-- whole units of $unit_ns (µs by default), like bpftrace's hist() over a value in µs; a log2
-- bucket [2^k, 2^(k+1)) holds the calls whose duration in units has its highest set bit at k, and
-- [0, 1) holds those shorter than one unit. With $step, buckets are [n*step, (n+1)*step) units.
-- One histogram per syscall (default), per peer address of socket calls ($by = 'target'), or
-- per source line ($by = 'source', for traces recorded with source locations). Only non-empty
-- buckets are returned; the CLI fills the gaps.
--
-- Parameters:
--   $name      only this syscall (default: every syscall)
--   $by        'syscall' (default), 'target' (peer address of socket calls) or 'source' (file:line)
--   $unit_ns   the unit durations are cut to, ns (default 1000: µs)
--   $step      linear buckets this many units wide (default: log2 buckets)
--
-- Columns:
--   trace      trace file (only when several traces are loaded)
--   key        what the histogram is of: the syscall name, the peer address:port, or file:line
--   lo         bucket start, in units (inclusive)
--   hi         bucket end, in units (exclusive)
--   count      calls whose duration falls in [lo, hi)
WITH picked AS (
    SELECT trace, name AS key, dur_ns
    FROM syscalls
    WHERE coalesce($by, 'syscall') = 'syscall' AND dur_ns >= 0 AND ($name IS NULL OR name = $name)
    UNION ALL
    SELECT trace, coalesce(rn_endpoint(peer_family, peer_addr, peer_port), 'fd ' || fd) AS key, dur_ns
    FROM socket_calls
    WHERE $by = 'target' AND dur_ns >= 0 AND ($name IS NULL OR name = $name)
    UNION ALL
    SELECT trace, src_file || ':' || src_line AS key, dur_ns
    FROM syscalls
    WHERE $by = 'source' AND src_file IS NOT NULL AND dur_ns >= 0 AND ($name IS NULL OR name = $name)
),
valued AS (
    SELECT trace, key, dur_ns // coalesce($unit_ns, 1000) AS v
    FROM picked
),
counted AS (
    -- Count per distinct value first: a trace has far fewer distinct durations than calls.
    SELECT trace, key, v, count(*) AS n
    FROM valued
    GROUP BY trace, key, v
),
exponent AS (
    SELECT *, CASE WHEN v > 0 THEN floor(log2(v))::INTEGER END AS e
    FROM counted
),
bucketed AS (
    SELECT
        trace, key, n,
        CASE
            WHEN $step IS NOT NULL THEN (v // $step) * $step
            WHEN v = 0 THEN 0
            -- log2 of a double can be off by one next to a power of two: correct it exactly.
            WHEN (1::BIGINT << e) > v THEN 1::BIGINT << (e - 1)
            WHEN (1::BIGINT << (e + 1)) <= v THEN 1::BIGINT << (e + 1)
            ELSE 1::BIGINT << e
        END AS lo
    FROM exponent
)
SELECT
    trace,
    key,
    lo,
    CASE WHEN $step IS NOT NULL THEN lo + $step WHEN lo = 0 THEN 1 ELSE lo * 2 END AS hi,
    sum(n)::BIGINT AS count
FROM bucketed
GROUP BY trace, key, lo
ORDER BY trace, key, lo
