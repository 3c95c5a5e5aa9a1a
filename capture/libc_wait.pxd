# <sys/wait.h>
from posix.types cimport pid_t

cdef extern from "<sys/wait.h>" nogil:
    pid_t waitpid(pid_t pid, int* status, int options)
    int WIFEXITED(int status)
    int WEXITSTATUS(int status)
    int WIFSIGNALED(int status)
    int WTERMSIG(int status)
    int WCOREDUMP(int status)
    int WIFSTOPPED(int status)
    int WSTOPSIG(int status)
    enum:
        __WALL
        WNOHANG
        WSTOPPED
