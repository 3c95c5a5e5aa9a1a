/* Kernel ABI pieces that glibc's <sys/ptrace.h> does not define (and <linux/ptrace.h> cannot be
 * included beside it). Layouts follow include/uapi/linux/ptrace.h. */
#ifndef RN_PTRACE_H
#define RN_PTRACE_H
#include <stdint.h>

#define RN_SYSCALL_INFO_NONE 0
#define RN_SYSCALL_INFO_ENTRY 1
#define RN_SYSCALL_INFO_EXIT 2
#define RN_SYSCALL_INFO_SECCOMP 3

struct rn_syscall_info {
    uint8_t op;
    uint8_t pad[3];
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t stack_pointer;
    union {
        struct { uint64_t nr; uint64_t args[6]; } entry;
        struct { int64_t rval; uint8_t is_error; } exit;
        struct { uint64_t nr; uint64_t args[6]; uint32_t ret_data; } seccomp;
    } u;
};

/* Event number carried in the high bits of a waitpid status. */
static inline int rn_event(int status) { return (unsigned)status >> 16; }
#endif
