/* Calls renacer has no decoder for, with real arguments, next to a few it decodes: the generic
 * decoder must print exactly as many arguments as strace -e raw=all does (strace's nargs). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct rusage ru;
    struct itimerval it;
    struct sched_param sp;
    cpu_set_t set;
    unsigned cpu, node;
    uid_t r, e, s;
    char path[4096];
    snprintf(path, sizeof path, "%s/raw_calls.tmp", argc > 1 ? argv[1] : "/tmp");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    syscall(SYS_getpriority, PRIO_PROCESS, 0);
    syscall(SYS_getrusage, RUSAGE_SELF, &ru);
    syscall(SYS_getitimer, ITIMER_REAL, &it);
    syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_getparam, 0, &sp);
    syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
    syscall(SYS_getcpu, &cpu, &node, NULL);
    syscall(SYS_getresuid, &r, &e, &s);
    syscall(SYS_personality, 0xffffffffUL);
    syscall(SYS_flock, fd, LOCK_SH);
    syscall(SYS_fadvise64, fd, 0, 4096, POSIX_FADV_NORMAL);
    syscall(SYS_fallocate, fd, 0, 0, 4096);
    syscall(SYS_sync_file_range, fd, 0, 4096, 0);
    syscall(SYS_ioprio_get, 1, 0);
    syscall(SYS_sched_get_priority_max, SCHED_OTHER);
    close(fd);
    unlink(path);
    return 0;
}
