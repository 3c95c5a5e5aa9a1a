-- processes: The process tree: who started whom, what each ran, how long, and how it ended.
--
-- One row per process, in tree order (each child after its parent), from the trace's process
-- table and its rows: fork/clone returns give parents, successful execve gives the command (a
-- child that did not exec runs its parent's), exit and killed rows give the end.
--
-- Parameters: none
--
-- Columns:
--   trace       trace file (only when several traces are loaded)
--   pid         process id
--   ppid        parent process id
--   command     command line, indented two spaces per level of the tree
--   execs       successful execve calls in this process
--   threads     threads seen
--   syscalls    system calls made
--   started_ns  first event, ns since the recording started
--   ended_ns    exit, ns since the recording started (NULL when it outlived the recording)
--   exit        exited N, killed by SIGNAL (core dumped), or NULL when still running
SELECT
    trace,
    pid,
    ppid,
    repeat('  ', depth) || coalesce(command, exe, '?') AS command,
    execs,
    threads,
    syscalls,
    first_ns AS started_ns,
    ended_ns,
    exit
FROM procs
ORDER BY trace, lineage
