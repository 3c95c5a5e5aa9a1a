-- summary_by_source: Per source location and syscall: calls, errors, total/avg time, p50/p90/p99, max.
--
-- `summary --by source`: the summary grouped by where the program made each call (recorded with
-- --source: file:line in function, see rn_source), largest total time first. Calls without a
-- location (recorded without --source, or made by library code only, such as the loader before
-- main) are one group with a NULL source. Percentiles as in `summary` (rn_pct: NULL under
-- 2 completed calls).
--
-- Parameters:
--   $name      only this syscall (default: every syscall)
--
-- Columns:
--   trace      trace file (only when several traces are loaded)
--   source     file:line in function (NULL: no location)
--   syscall    syscall name
--   calls      number of calls
--   errors     calls that failed (returned -errno)
--   total_ns   sum of durations, ns
--   avg_ns     mean duration, ns (rounded)
--   p50_ns     median duration, ns; NULL under 2 completed calls
--   p90_ns     90th percentile duration, ns; NULL under 2 completed calls
--   p99_ns     99th percentile duration, ns; NULL under 2 completed calls
--   max_ns     longest duration, ns
WITH per_source AS (
    SELECT
        trace,
        rn_source(src_file, src_line, src_func) AS source,
        name AS syscall,
        count(*) AS calls,
        count(errno) AS errors,
        sum(dur_ns) AS total_ns,
        avg(dur_ns) AS mean_ns,
        count(dur_ns) AS completed,
        rn_duration_quantiles(dur_ns) AS q,
        max(dur_ns) AS max_ns
    FROM syscalls
    WHERE $name IS NULL OR name = $name
    GROUP BY ALL
)
SELECT
    trace,
    source,
    syscall,
    calls,
    errors,
    coalesce(total_ns, 0)::BIGINT AS total_ns,
    round(mean_ns)::BIGINT AS avg_ns,
    rn_pct(q[1], completed) AS p50_ns,
    rn_pct(q[2], completed) AS p90_ns,
    rn_pct(q[3], completed) AS p99_ns,
    max_ns
FROM per_source
ORDER BY trace, total_ns DESC, source NULLS LAST, syscall
