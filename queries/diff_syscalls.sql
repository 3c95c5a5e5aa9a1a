-- diff_syscalls: Per syscall and metric, base against head: calls, errors, bytes and times, with the change.
--
-- The per-syscall half of `renacer-analyze diff`. Each side is one or more runs (traces);
-- every statistic is first computed per run with summary.sql's definitions (count, count of
-- errno, sum, mean rounded to the ns, rn_pct percentiles rounded to the ns and NULL under
-- 2 completed calls, max), then summarised per side: counts (`calls`, `errors`, `bytes`) as the
-- mean per run, where a run without the syscall counts 0, so they compare exactly; times as the
-- median over the runs that have a value (robust to one noisy run). The per-run values travel
-- along (`base_runs`, `head_runs`) for the statistical test, which analyze/diff.py runs.
-- `bytes` is what read/write/send/recv-family calls transferred (their non-negative returns).
--
-- Parameters:
--   $base      trace labels of the base side (the diff command sets it); every other trace is head
--
-- Columns:
--   syscall     syscall name
--   status      both, new (no base run made it) or vanished (no head run made it)
--   metric      calls, errors, bytes (mean per run) or total_ns, avg_ns, p50_ns, p90_ns, p99_ns,
--               max_ns (median over runs), in that order
--   base        the base side's value; NULL when no base run has one
--   head        the head side's value; NULL when no head run has one
--   change      head - base; NULL when either is NULL
--   change_pct  100 * (head - base) / base; NULL when base is 0 or NULL
--   base_runs   the per-run values of the base side, one per run that has one, by trace
--   head_runs   the per-run values of the head side, one per run that has one, by trace
WITH runs AS (
    SELECT trace, rn_side($base, trace) AS side
    FROM trace_info
),
side_runs AS (
    SELECT side, count(*) AS runs FROM runs GROUP BY side
),
per_run AS MATERIALIZED (
    SELECT
        trace,
        name AS syscall,
        count(*) AS calls,
        count(errno) AS errors,
        coalesce(sum(size) FILTER (WHERE ret >= 0), 0) AS sized,
        coalesce(sum(dur_ns), 0) AS total_ns,
        avg(dur_ns) AS mean_ns,
        count(dur_ns) AS completed,
        rn_duration_quantiles(dur_ns) AS q,
        max(dur_ns) AS max_ns
    FROM syscalls
    GROUP BY trace, name
),
-- Every run of each side against every syscall either side made: a missing call counts 0.
grid AS (
    SELECT r.trace, r.side, s.syscall
    FROM runs r
    CROSS JOIN (SELECT DISTINCT syscall FROM per_run) s
),
filled AS (
    SELECT
        g.trace, g.side, g.syscall,
        coalesce(p.calls, 0)::BIGINT AS calls,
        coalesce(p.errors, 0)::BIGINT AS errors,
        -- which calls move bytes is decided per syscall, after aggregating (per row it costs more
        -- than the rest of the query)
        CASE WHEN rn_direction(g.syscall) IS NOT NULL THEN coalesce(p.sized, 0) ELSE 0 END::BIGINT AS bytes,
        coalesce(p.total_ns, 0)::BIGINT AS total_ns,
        round(p.mean_ns)::BIGINT AS avg_ns,
        rn_pct(p.q[1], p.completed) AS p50_ns,
        rn_pct(p.q[2], p.completed) AS p90_ns,
        rn_pct(p.q[3], p.completed) AS p99_ns,
        p.max_ns::BIGINT AS max_ns
    FROM grid g
    LEFT JOIN per_run p USING (trace, syscall)
),
long AS (
    SELECT * FROM filled
    UNPIVOT INCLUDE NULLS (value FOR metric IN (calls, errors, bytes, total_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns))
),
per_side AS (
    SELECT
        l.syscall, l.metric, l.side,
        CASE WHEN l.metric IN ('calls', 'errors', 'bytes') THEN sum(l.value) / any_value(s.runs)
             ELSE round(median(l.value)) END::DOUBLE AS value,
        coalesce(list(l.value ORDER BY l.trace) FILTER (WHERE l.value IS NOT NULL), []) AS runs
    FROM long l
    JOIN side_runs s USING (side)
    GROUP BY l.syscall, l.metric, l.side
),
paired AS (
    SELECT
        syscall, metric,
        any_value(value) FILTER (WHERE side = 'base') AS base,
        any_value(value) FILTER (WHERE side = 'head') AS head,
        coalesce(any_value(runs) FILTER (WHERE side = 'base'), []) AS base_runs,
        coalesce(any_value(runs) FILTER (WHERE side = 'head'), []) AS head_runs
    FROM per_side
    GROUP BY syscall, metric
),
shaped AS (
    SELECT
        *,
        max(CASE WHEN metric = 'calls' THEN coalesce(base, 0) END) OVER w AS base_calls,
        max(CASE WHEN metric = 'calls' THEN coalesce(head, 0) END) OVER w AS head_calls,
        max(CASE WHEN metric = 'total_ns' THEN greatest(coalesce(base, 0), coalesce(head, 0)) END) OVER w
            AS biggest_total
    FROM paired
    WINDOW w AS (PARTITION BY syscall)
)
SELECT
    syscall,
    CASE WHEN base_calls = 0 THEN 'new' WHEN head_calls = 0 THEN 'vanished' ELSE 'both' END AS status,
    metric,
    base,
    head,
    head - base AS change,
    rn_change_pct(base, head) AS change_pct,
    base_runs,
    head_runs
FROM shaped
ORDER BY biggest_total DESC, syscall,
         list_position(['calls', 'errors', 'bytes', 'total_ns', 'avg_ns', 'p50_ns', 'p90_ns', 'p99_ns',
                        'max_ns'], metric)
