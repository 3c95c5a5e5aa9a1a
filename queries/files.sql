-- files: Paths opened, how often, which opens failed and why, and bytes read and written.
--
-- One row per path passed to open, openat, openat2 or creat, in the order the program first
-- opened it. Reads and writes count on the descriptors those opens returned (read, pread64,
-- readv, … / write, pwrite64, writev, …), until each was closed.
--
-- Parameters: none
--
-- Columns:
--   trace          trace file (only when several traces are loaded)
--   path           the path as the program passed it
--   opens          successful opens
--   failed         failed opens
--   errors         the errnos of the failed opens
--   reads          successful read calls on the opened descriptors
--   bytes_read     bytes read
--   writes         successful write calls
--   bytes_written  bytes written
--   first_ns       first open, ns since the recording started
WITH opens AS (
    SELECT
        trace, path,
        count(*) FILTER (WHERE ret >= 0) AS opens,
        count(*) FILTER (WHERE errno IS NOT NULL) AS failed,
        list_sort(list(DISTINCT errno) FILTER (WHERE errno IS NOT NULL)) AS errors,
        min(ts_ns) AS first_ns,
        min(seq) AS first_seq
    FROM syscalls
    WHERE name IN ('open', 'openat', 'openat2', 'creat') AND path IS NOT NULL
    GROUP BY trace, path
),
io AS (
    SELECT
        trace, open_path AS path,
        count(*) FILTER (WHERE dir = 'in' AND ret >= 0) AS reads,
        sum(size) FILTER (WHERE dir = 'in' AND ret > 0) AS bytes_read,
        count(*) FILTER (WHERE dir = 'out' AND ret >= 0) AS writes,
        sum(size) FILTER (WHERE dir = 'out' AND ret > 0) AS bytes_written
    FROM file_calls
    WHERE dir IS NOT NULL
    GROUP BY trace, open_path
)
SELECT
    o.trace,
    o.path,
    o.opens,
    o.failed,
    CASE WHEN len(o.errors) > 0 THEN o.errors END AS errors,
    coalesce(i.reads, 0) AS reads,
    coalesce(i.bytes_read, 0)::BIGINT AS bytes_read,
    coalesce(i.writes, 0) AS writes,
    coalesce(i.bytes_written, 0)::BIGINT AS bytes_written,
    o.first_ns
FROM opens o
LEFT JOIN io i ON i.trace = o.trace AND i.path = o.path
ORDER BY o.trace, o.first_seq
