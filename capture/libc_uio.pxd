# <sys/uio.h>
from posix.types cimport pid_t

cdef extern from "<sys/uio.h>" nogil:
    struct iovec:
        void* iov_base
        size_t iov_len
    ssize_t process_vm_readv(pid_t pid, const iovec* local_iov, unsigned long liovcnt,
                             const iovec* remote_iov, unsigned long riovcnt, unsigned long flags)
