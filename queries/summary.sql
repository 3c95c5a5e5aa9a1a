-- summary: Per syscall: calls, errors, total and average time, p50/p90/p99 and max duration.
--
-- One row per syscall (per trace when several are loaded), largest total time first. Durations
-- are those of calls that returned; a call still running when the recording ended counts in
-- `calls` but has no duration. The live `renacer -c` summary runs this file too. Percentiles are
-- the project's one definition (macros rn_duration_quantiles and rn_pct of _views.sql): DuckDB's
-- quantile_cont, linear interpolation between the two nearest durations — the same as
-- numpy.percentile's default — rounded to the nearest ns, and NULL (shown as "-") for a syscall
-- with fewer than 2 completed calls: one duration is not a distribution.
--
-- Parameters:
--   $name      only this syscall (default: every syscall)
--
-- Columns:
--   trace      trace file (only when several traces are loaded)
--   syscall    syscall name
--   calls      number of calls
--   errors     calls that failed (returned -errno)
--   total_ns   sum of durations, ns
--   avg_ns     mean duration, ns (rounded)
--   p50_ns     median duration, ns; NULL under 2 completed calls
--   p90_ns     90th percentile duration, ns; NULL under 2 completed calls
--   p99_ns     99th percentile duration, ns; NULL under 2 completed calls
--   max_ns     longest duration, ns
WITH per_syscall AS (
    SELECT
        trace,
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
    GROUP BY trace, name
)
SELECT
    trace,
    syscall,
    calls,
    errors,
    coalesce(total_ns, 0)::BIGINT AS total_ns,
    round(mean_ns)::BIGINT AS avg_ns,
    rn_pct(q[1], completed) AS p50_ns,
    rn_pct(q[2], completed) AS p90_ns,
    rn_pct(q[3], completed) AS p99_ns,
    max_ns
FROM per_syscall
ORDER BY trace, total_ns DESC, syscall
