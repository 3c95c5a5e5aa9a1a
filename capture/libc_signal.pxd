# <signal.h> and <sys/time.h>: signal handling of the recorder itself.
from posix.types cimport pid_t

cdef extern from "<signal.h>" nogil:
    ctypedef struct siginfo_t:
        int si_signo
        int si_code
        pid_t si_pid
    ctypedef struct sigset_t:
        pass
    ctypedef void (*sa_sigaction_t)(int, siginfo_t*, void*) noexcept nogil
    struct sigaction_t "sigaction":
        sa_sigaction_t sa_sigaction
        sigset_t sa_mask
        int sa_flags
    int sigaction(int sig, const sigaction_t* act, sigaction_t* oldact)
    int sigemptyset(sigset_t* s)
    int sigfillset(sigset_t* s)
    int sigprocmask(int how, const sigset_t* s, sigset_t* old)
    int kill(pid_t pid, int sig)
    enum:
        SIGINT
        SIGTERM
        SIGHUP
        SIGQUIT
        SIGALRM
        SIGKILL
        SIGSTOP
        SIGCONT
        SIGPIPE
        SIGXFSZ
        SIGTSTP
        SIGTTIN
        SIGTTOU
        SIGTRAP
        SIGCHLD
        SIG_SETMASK
        SA_SIGINFO
        SI_KERNEL
        SI_USER

cdef extern from "<sys/time.h>" nogil:
    struct timeval:
        long tv_sec
        long tv_usec
    struct itimerval:
        timeval it_interval
        timeval it_value
    int setitimer(int which, const itimerval* new_value, itimerval* old_value)
    enum:
        ITIMER_REAL
