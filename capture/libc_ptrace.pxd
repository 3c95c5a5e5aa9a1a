# <sys/ptrace.h> and the kernel ABI header beside it: only what the recorder uses.
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from posix.types cimport pid_t

cdef extern from "<sys/ptrace.h>" nogil:
    long ptrace(int request, pid_t pid, void* addr, void* data)
    enum:
        PTRACE_CONT
        PTRACE_SYSCALL
        PTRACE_DETACH
        PTRACE_SEIZE
        PTRACE_INTERRUPT
        PTRACE_LISTEN
        PTRACE_GETEVENTMSG
        PTRACE_GETSIGINFO
        PTRACE_GET_SYSCALL_INFO
        PTRACE_O_TRACESYSGOOD
        PTRACE_O_TRACEFORK
        PTRACE_O_TRACEVFORK
        PTRACE_O_TRACECLONE
        PTRACE_O_TRACEEXEC
        PTRACE_O_TRACESECCOMP
        PTRACE_O_EXITKILL
        PTRACE_EVENT_FORK
        PTRACE_EVENT_VFORK
        PTRACE_EVENT_CLONE
        PTRACE_EVENT_EXEC
        PTRACE_EVENT_EXIT
        PTRACE_EVENT_SECCOMP
        PTRACE_EVENT_STOP

cdef extern from "rn_ptrace.h" nogil:
    enum:
        RN_SYSCALL_INFO_NONE
        RN_SYSCALL_INFO_ENTRY
        RN_SYSCALL_INFO_EXIT
        RN_SYSCALL_INFO_SECCOMP
    struct _rn_entry:
        uint64_t nr
        uint64_t args[6]
    struct _rn_exit:
        int64_t rval
        uint8_t is_error
    union _rn_u:
        _rn_entry entry
        _rn_exit exit
        _rn_entry seccomp
    struct rn_syscall_info:
        uint8_t op
        uint32_t arch
        _rn_u u
    int rn_event(int status)

# <sys/user.h>: the register file PTRACE_GETREGS fills (x86_64), for --source stack walks.
cdef extern from "<sys/user.h>" nogil:
    struct user_regs_struct:
        unsigned long long rbp
        unsigned long long rip
        unsigned long long rsp

cdef extern from "<sys/ptrace.h>" nogil:
    enum:
        PTRACE_GETREGS
