/* Exercises every decoder family of renacer deterministically.
 *
 * Usage: decode_all TMPDIR
 * Sockets talk to 127.0.0.1 / ::1 / unix sockets under TMPDIR only; files live under TMPDIR.
 * Every call's arguments are fixed (ports come from bind(0) + getsockname) so that strace and
 * renacer see the same calls; tests normalize pids, addresses and ephemeral ports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

static void tcp_calls(void) {
    int srv = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(srv, (struct sockaddr *)&sa, sizeof sa);
    listen(srv, 16);
    socklen_t len = sizeof sa;
    getsockname(srv, (struct sockaddr *)&sa, &len);

    int cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {.tv_sec = 30, .tv_usec = 0};
    setsockopt(cli, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connect(cli, (struct sockaddr *)&sa, sizeof sa);

    struct sockaddr_in peer;
    len = sizeof peer;
    int conn = accept4(srv, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    len = sizeof peer;
    getpeername(conn, (struct sockaddr *)&peer, &len);

    static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01,
                                          0xfc, 0x03, 0x03, 0x30, 0x31, 0x0a, 0x7f, 0x80};
    sendto(cli, hello, sizeof hello, MSG_NOSIGNAL, NULL, 0);
    char buf[4096];
    recvfrom(conn, buf, sizeof buf, 0, NULL, NULL);
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    send(conn, resp, strlen(resp), MSG_NOSIGNAL | MSG_DONTWAIT);
    recv(cli, buf, sizeof buf, 0);

    struct iovec iov[2] = {{(void *)"ab\"c\\", 5}, {(void *)"\t\001\0022", 4}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    sendmsg(cli, &mh, 0);
    char rb[64];
    struct iovec riov = {rb, sizeof rb};
    struct msghdr rmh = {.msg_iov = &riov, .msg_iovlen = 1};
    recvmsg(conn, &rmh, 0);

    int err = -1;
    len = sizeof err;
    getsockopt(cli, SOL_SOCKET, SO_ERROR, &err, &len);
    int rcvbuf = 0;
    len = sizeof rcvbuf;
    getsockopt(cli, SOL_SOCKET, SO_TYPE, &rcvbuf, &len);
    shutdown(cli, SHUT_WR);
    close(conn);
    close(cli);

    /* A refused connection: the listener is closed, so its port refuses. */
    close(srv);
    int ref = socket(AF_INET, SOCK_STREAM, 0);
    connect(ref, (struct sockaddr *)&sa, sizeof sa);
    close(ref);

    /* A non-blocking refused connection, reported through poll + SO_ERROR. */
    int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    connect(nb, (struct sockaddr *)&sa, sizeof sa);
    struct pollfd pfd = {.fd = nb, .events = POLLOUT};
    poll(&pfd, 1, 1000);
    len = sizeof err;
    getsockopt(nb, SOL_SOCKET, SO_ERROR, &err, &len);
    close(nb);
}

static void udp_calls(void) {
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(0)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(u, (struct sockaddr *)&sa, sizeof sa);
    socklen_t len = sizeof sa;
    getsockname(u, (struct sockaddr *)&sa, &len);
    sendto(u, "ping", 4, 0, (struct sockaddr *)&sa, sizeof sa);
    char buf[64];
    struct sockaddr_in from;
    len = sizeof from;
    recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    recvfrom(u, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL); /* EAGAIN */
    close(u);

    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bind(u6, (struct sockaddr *)&s6, sizeof s6);
    close(u6);
}

static void unix_calls(const char *dir) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "%s/sock", dir);
    unlink(un.sun_path);
    bind(s, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + strlen(un.sun_path) + 1);
    close(s);
    unlink(un.sun_path); /* so that every run of the program makes the same calls */

    int a = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un ab = {.sun_family = AF_UNIX};
    memcpy(ab.sun_path, "\0renacer-abstract", 17);
    bind(a, (struct sockaddr *)&ab, offsetof(struct sockaddr_un, sun_path) + 17);
    close(a);

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[0]);
    close(sv[1]);

    int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl snl = {.nl_family = AF_NETLINK, .nl_pid = 0, .nl_groups = 0};
    bind(nl, (struct sockaddr *)&snl, sizeof snl);
    close(nl);
}

static void wait_calls(void) {
    int p[2];
    pipe2(p, O_CLOEXEC);
    write(p[1], "x", 1);
    fd_set rfds;
    FD_ZERO(&rfds);
    FD_SET(p[0], &rfds);
    struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
    select(p[0] + 1, &rfds, NULL, NULL, &tv);
    struct pollfd pfd[2] = {{.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
    struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
    ppoll(pfd, 2, &ts, NULL);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    struct epoll_event out[4];
    epoll_wait(ep, out, 4, 1000);
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void file_calls(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/data.txt", dir);
    int fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    write(fd, "line one\nline two\n", 18);
    pwrite64(fd, "XY", 2, 4);
    struct iovec iov[2] = {{(void *)"abc", 3}, {(void *)"def\n", 4}};
    writev(fd, iov, 2);
    close(fd);

    fd = open(path, O_RDONLY);
    char buf[128];
    read(fd, buf, 5);
    pread64(fd, buf, 4, 9);
    char a[4], b[8];
    struct iovec riov[2] = {{a, sizeof a}, {b, sizeof b}};
    readv(fd, riov, 2);
    lseek(fd, 0, SEEK_SET);
    lseek(fd, -2, SEEK_END);
    struct stat st;
    fstat(fd, &st);
    int d = dup(fd);
    dup2(fd, 20);
    dup3(fd, 21, O_CLOEXEC);
    fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_DUPFD_CLOEXEC, 30);
    int avail = 0;
    ioctl(fd, FIONREAD, &avail);
    close(d);
    close(20);
    close(21);
    close(30);
    close(fd);

    fstatat(AT_FDCWD, path, &st, 0);
    fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW);
    struct statx stx;
    statx(AT_FDCWD, path, AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, &stx);
    openat(AT_FDCWD, "/nonexistent/renacer", O_RDONLY);
    close(-1);
    unlink(path);
}

static void memory_calls(void) {
    void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(p, 4096, PROT_READ);
    munmap(p, 8192);
}

static void signal_calls(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    kill(getpid(), SIGUSR1);
    syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGUSR1);
}

static int thread_pipe[2];

static void *reader(void *arg) {
    (void)arg;
    char b[16];
    read(thread_pipe[0], b, sizeof b); /* blocks until main writes: <unfinished ...> */
    return NULL;
}

static void thread_calls(void) {
    pipe2(thread_pipe, O_CLOEXEC);
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    write(thread_pipe[1], "wake", 4);
    pthread_join(t, NULL);
    close(thread_pipe[0]);
    close(thread_pipe[1]);
}

static void process_calls(void) {
    pid_t c = fork();
    if (c == 0) {
        char *argv[] = {"/bin/true", "--renacer", "two words", NULL};
        char *envp[] = {"A=1", "B=2", NULL};
        execve("/bin/true", argv, envp);
        _exit(127);
    }
    int status;
    wait4(c, &status, 0, NULL);

    c = fork();
    if (c == 0) {
        raise(SIGKILL);
        _exit(1);
    }
    wait4(c, &status, 0, NULL);

    c = fork();
    if (c == 0) _exit(3);
    wait4(c, &status, 0, NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    tcp_calls();
    udp_calls();
    unix_calls(argv[1]);
    wait_calls();
    file_calls(argv[1]);
    memory_calls();
    signal_calls();
    thread_calls();
    process_calls();
    return 0;
}
