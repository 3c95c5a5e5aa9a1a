"""The ptrace recorder: launches or attaches, records every system call into Arrow batches."""
