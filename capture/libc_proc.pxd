# <unistd.h>, <fcntl.h>, <time.h>, <sys/prctl.h>, <sys/syscall.h> and the seccomp/BPF headers:
# process creation, the clock, and the seccomp filter.
from libc.stdint cimport uint8_t, uint16_t, uint32_t
from posix.types cimport pid_t

cdef extern from "<unistd.h>" nogil:
    pid_t fork()
    pid_t getpid()
    int execve(const char* path, char* const* argv, char* const* envp)
    void _exit(int status)
    ssize_t read(int fd, void* buf, size_t count)
    ssize_t write(int fd, const void* buf, size_t count)
    int close(int fd)
    int pipe2(int fds[2], int flags)
    long syscall(long number, ...)

cdef extern from "<fcntl.h>" nogil:
    int c_open "open"(const char* path, int flags)
    enum:
        O_RDONLY
        O_CLOEXEC

cdef extern from "<time.h>" nogil:
    struct timespec:
        long tv_sec
        long tv_nsec
    int clock_gettime(int clk, timespec* ts)
    enum:
        CLOCK_MONOTONIC
        CLOCK_REALTIME

cdef extern from "<sys/prctl.h>" nogil:
    int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
    enum:
        PR_SET_NO_NEW_PRIVS
        PR_SET_SECCOMP

cdef extern from "<linux/seccomp.h>" nogil:
    enum:
        SECCOMP_MODE_FILTER
        SECCOMP_RET_ALLOW
        SECCOMP_RET_TRACE

cdef extern from "<linux/audit.h>" nogil:
    enum:
        AUDIT_ARCH_X86_64

cdef extern from "<linux/filter.h>" nogil:
    struct sock_filter:
        uint16_t code
        uint8_t jt
        uint8_t jf
        uint32_t k
    struct sock_fprog:
        unsigned short len
        sock_filter* filter
    enum:
        BPF_LD
        BPF_W
        BPF_ABS
        BPF_JMP
        BPF_JEQ
        BPF_JSET
        BPF_K
        BPF_RET
