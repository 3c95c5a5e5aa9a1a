-- diff_targets: Connect targets, programs executed, paths opened and errno kinds, base against head.
--
-- The per-target half of `renacer-analyze diff`: what each side talked to, ran, opened and
-- failed on, counted per run (mean over the side's runs), so a new connect target, a vanished
-- file or a new kind of error stands out. Targets are normalized first, so that two runs of the
-- same program do not differ by what changes from run to run by itself:
--   ports    at or above 32768 (Linux's ephemeral range) print as `<ephemeral>`
--   pids     /proc/1234/… becomes /proc/<pid>/…, …/task/77 becomes …/task/<tid>
--   fds      /proc/…/fd/5, /proc/…/fdinfo/5, /dev/fd/5 end in <fd>; /dev/pts/3 is /dev/pts/<n>
--   addresses  hexadecimal numbers (0x7ffc…) print as 0x<addr>
--   temporary paths  under /tmp, /var/tmp and /dev/shm every folder becomes `*`, a name made by
--            tempfile (tmp + 6 or more letters/digits) becomes tmp*, and digits become #
-- An errno kind is the syscall, the errno and the call's normalized path or peer (never its fd).
-- Errnos that depend on timing rather than on the program (EAGAIN, EINTR, EINPROGRESS,
-- EALREADY, ERESTART*, a futex's ETIMEDOUT) are kept but marked not deterministic.
--
-- Parameters:
--   $base      trace labels of the base side (the diff command sets it); every other trace is head
--
-- Columns:
--   kind           connect (connect calls to a peer, whatever they returned), exec (successful execve), open (successful
--                  open/openat/openat2/creat) or error (an errno kind)
--   target         the normalized peer, program path, opened path, or `syscall ERRNO target`
--   base           calls per base run (mean over the base side's runs)
--   head           calls per head run (mean over the head side's runs)
--   base_seen      how many base runs made the call at least once
--   head_seen      how many head runs made the call at least once
--   change         new, vanished, more, fewer or same
--   deterministic  false for errno kinds that depend on timing (see above); true otherwise
WITH runs AS (
    SELECT trace, rn_side($base, trace) AS side
    FROM trace_info
),
side_runs AS (
    SELECT side, count(*) AS runs FROM runs GROUP BY side
),
-- Two selective scans rather than one filter with OR: each pushes down into the Parquet reader
-- (a trace with no error skips the first by its statistics).
calls AS MATERIALIZED (
    SELECT trace, name, errno, family, addr, port, path, ret
    FROM syscalls
    WHERE errno IS NOT NULL
    UNION ALL
    SELECT trace, name, errno, family, addr, port, path, ret
    FROM syscalls
    WHERE errno IS NULL AND name IN ('connect', 'execve', 'execveat', 'open', 'openat', 'openat2', 'creat')
      AND ((name = 'connect' AND addr IS NOT NULL) OR (name <> 'connect' AND ret >= 0))
),
-- Paths (file paths and unix socket addresses) without what changes from run to run.
paths AS (
    SELECT
        *,
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        regexp_replace(p, '^/proc/[0-9]+(/|$)', '/proc/<pid>\1'),
                        '/task/[0-9]+(/|$)', '/task/<tid>\1', 'g'),
                    '(^/proc/[^/]+/(fd|fdinfo)/|^/dev/fd/)[0-9]+$', '\1<fd>'),
                '^/dev/pts/[0-9]+$', '/dev/pts/<n>'),
            '0x[0-9a-fA-F]+', '0x<addr>', 'g') AS p1
    FROM (SELECT *, CASE WHEN family = 'AF_UNIX' THEN addr ELSE path END AS p FROM calls)
),
normalized AS (
    SELECT
        *,
        CASE
            WHEN regexp_matches(p1, '^/(tmp|var/tmp|dev/shm)/') THEN
                regexp_extract(p1, '^(/tmp|/var/tmp|/dev/shm)/', 1) || '/'
                || regexp_replace(regexp_extract(p1, '^/(?:tmp|var/tmp|dev/shm)/((?:[^/]*/)*)', 1), '[^/]+', '*', 'g')
                || regexp_replace(
                       regexp_replace(regexp_extract(p1, '([^/]*)$', 1), '^tmp[A-Za-z0-9_]{6,}', 'tmp*'),
                       '[0-9]+', '#', 'g')
            ELSE p1
        END AS norm_path
    FROM paths
),
targets AS (
    SELECT
        trace,
        CASE WHEN name = 'connect' THEN 'connect' WHEN name IN ('execve', 'execveat') THEN 'exec' ELSE 'open' END
            AS kind,
        CASE
            WHEN name = 'connect' AND family <> 'AF_UNIX'
                THEN rn_endpoint(family, addr, CASE WHEN port >= 32768 THEN '<ephemeral>' ELSE port::VARCHAR END)
            ELSE norm_path
        END AS what,
        true AS deterministic,
        name, errno
    FROM normalized
    WHERE name = 'connect' OR errno IS NULL
    UNION ALL
    SELECT
        trace, 'error' AS kind,
        CASE
            WHEN name = 'connect' AND family <> 'AF_UNIX'
                THEN rn_endpoint(family, addr, CASE WHEN port >= 32768 THEN '<ephemeral>' ELSE port::VARCHAR END)
            ELSE norm_path
        END AS what,
        NOT (errno IN ('EAGAIN', 'EINTR', 'EINPROGRESS', 'EALREADY') OR errno LIKE 'ERESTART%'
             OR (errno = 'ETIMEDOUT' AND name LIKE 'futex%')) AS deterministic,
        name, errno
    FROM normalized
    WHERE errno IS NOT NULL
),
counted AS (
    SELECT
        t.kind,
        CASE WHEN t.kind = 'error' THEN concat_ws(' ', t.name, t.errno, t.what) ELSE t.what END AS target,
        r.side, t.trace, any_value(t.deterministic) AS deterministic, count(*) AS n
    FROM targets t
    JOIN runs r USING (trace)
    WHERE t.what IS NOT NULL OR t.kind = 'error'
    GROUP BY ALL
),
per_side AS (
    SELECT
        kind, target, bool_and(deterministic) AS deterministic,
        coalesce(sum(n) FILTER (WHERE side = 'base'), 0)
            / coalesce((SELECT runs FROM side_runs WHERE side = 'base'), 1) AS base,
        coalesce(sum(n) FILTER (WHERE side = 'head'), 0)
            / coalesce((SELECT runs FROM side_runs WHERE side = 'head'), 1) AS head,
        count(*) FILTER (WHERE side = 'base') AS base_seen,
        count(*) FILTER (WHERE side = 'head') AS head_seen
    FROM counted
    GROUP BY kind, target
)
SELECT
    kind,
    target,
    base::DOUBLE AS base,
    head::DOUBLE AS head,
    base_seen,
    head_seen,
    CASE
        WHEN base = 0 THEN 'new'
        WHEN head = 0 THEN 'vanished'
        WHEN head > base THEN 'more'
        WHEN head < base THEN 'fewer'
        ELSE 'same'
    END AS change,
    deterministic
FROM per_side
ORDER BY list_position(['connect', 'exec', 'open', 'error'], kind), target
