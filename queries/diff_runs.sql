-- diff_runs: Whole runs, base against head: time in syscalls, wall time, calls and errors per run.
--
-- The run-level half of `renacer-analyze diff` (its `total-time` and `wall-time` gates). Per
-- run: `total_time_ns`, the time spent in system calls (the sum of every completed call's
-- duration, the total row of a `-c` table); `wall_time_ns`, how long the recorded command ran
-- (the recorder's `duration_ns` metadata, else the span of the trace's timestamps); `calls` and
-- `errors` over every syscall. Per side: counts are the mean per run, times the median over runs;
-- the per-run values travel along for the statistical test (analyze/diff.py).
--
-- Parameters:
--   $base      trace labels of the base side (the diff command sets it); every other trace is head
--
-- Columns:
--   metric      calls, errors (mean per run), total_time_ns or wall_time_ns (median over runs)
--   base        the base side's value; NULL when the side has no run
--   head        the head side's value; NULL when the side has no run
--   change      head - base; NULL when either is NULL
--   change_pct  100 * (head - base) / base; NULL when base is 0 or NULL
--   base_runs   the per-run values of the base side, by trace
--   head_runs   the per-run values of the head side, by trace
WITH runs AS (
    SELECT
        trace,
        rn_side($base, trace) AS side,
        TRY_CAST(json_extract(metadata, '$.duration_ns') AS BIGINT) AS recorded_ns
    FROM trace_info
),
per_trace AS (
    SELECT
        trace,
        count(*) FILTER (WHERE kind = 'syscall') AS calls,
        count(errno) FILTER (WHERE kind = 'syscall') AS errors,
        coalesce(sum(dur_ns) FILTER (WHERE kind = 'syscall'), 0) AS total_time_ns,
        max(ts_ns + coalesce(dur_ns, 0)) - min(ts_ns) AS span_ns
    FROM events
    GROUP BY trace
),
per_run AS (
    SELECT
        r.trace, r.side,
        coalesce(p.calls, 0)::BIGINT AS calls,
        coalesce(p.errors, 0)::BIGINT AS errors,
        coalesce(p.total_time_ns, 0)::BIGINT AS total_time_ns,
        coalesce(r.recorded_ns, p.span_ns, 0)::BIGINT AS wall_time_ns
    FROM runs r
    LEFT JOIN per_trace p USING (trace)
),
long AS (
    UNPIVOT per_run ON calls, errors, total_time_ns, wall_time_ns INTO NAME metric VALUE value
),
per_side AS (
    SELECT
        metric, side,
        CASE WHEN metric IN ('calls', 'errors') THEN avg(value) ELSE round(median(value)) END::DOUBLE AS value,
        list(value ORDER BY trace) AS runs
    FROM long
    GROUP BY metric, side
),
paired AS (
    SELECT
        metric,
        any_value(value) FILTER (WHERE side = 'base') AS base,
        any_value(value) FILTER (WHERE side = 'head') AS head,
        coalesce(any_value(runs) FILTER (WHERE side = 'base'), []) AS base_runs,
        coalesce(any_value(runs) FILTER (WHERE side = 'head'), []) AS head_runs
    FROM per_side
    GROUP BY metric
)
SELECT
    metric,
    base,
    head,
    head - base AS change,
    rn_change_pct(base, head) AS change_pct,
    base_runs,
    head_runs
FROM paired
ORDER BY list_position(['calls', 'errors', 'total_time_ns', 'wall_time_ns'], metric)
