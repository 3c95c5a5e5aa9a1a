/* Network and I/O-vector calls with good and bad arguments, for comparing renacer with strace.
 *
 * Usage: decode_net TMPDIR
 * Every call's arguments are fixed so strace and renacer see the same calls: NULL pointers,
 * pointers into an unmapped page (``hole``), structures that end on an unmapped page
 * (``edge(n)``: n readable bytes followed by the hole), short and negative lengths. Sockets talk to
 * 127.0.0.1 and unix sockets under TMPDIR only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char *page; /* one readable page, followed by an unmapped one */
static char *hole; /* the unmapped page */

/* n readable bytes that end exactly where the unmapped page begins */
static void *edge(size_t n) { return hole - n; }

static void iov_calls(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/iov.txt", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    struct iovec three[3] = {{(void *)"012", 3}, {(void *)"34567", 5}, {(void *)"89abcde", 7}};
    writev(fd, three, 3);
    /* one iovec longer than -s, then one that the -s limit leaves out */
    static char longbuf[100];
    memset(longbuf, 'L', sizeof longbuf);
    struct iovec lng[2] = {{longbuf, sizeof longbuf}, {(void *)"tail", 4}};
    writev(fd, lng, 2);
    pwritev(fd, three, 3, 0);
    /* more iovecs than a small -s shows */
    struct iovec ten[10];
    for (int i = 0; i < 10; i++) {
        ten[i].iov_base = (void *)"0123456789" + i;
        ten[i].iov_len = 10 - i;
    }
    writev(fd, ten, 10);
    writev(fd, three, 0);
    writev(fd, NULL, 3);
    writev(19999, (struct iovec *)hole, 42);
    /* the array is readable for one element, then the hole */
    struct iovec *half = edge(sizeof(struct iovec));
    half[0].iov_base = (void *)"xyz";
    half[0].iov_len = 3;
    writev(fd, half, 2);
    /* a readable array whose second buffer is unreadable */
    struct iovec badbuf[2] = {{(void *)"ok", 2}, {hole, 5}};
    writev(fd, badbuf, 2);
    /* a buffer that ends on the hole: the kernel writes what it can */
    memcpy(edge(4), "edge", 4);
    struct iovec edgebuf[2] = {{(void *)"ab", 2}, {edge(4), 16}};
    writev(fd, edgebuf, 2);

    lseek(fd, 0, SEEK_SET);
    char a[2], b[4], c[64];
    struct iovec rd[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
    readv(fd, rd, 3);
    preadv(fd, rd, 3, 4);
    lseek(fd, 0, SEEK_END);
    readv(fd, rd, 3); /* end of file: 0 bytes */
    readv(-1, rd, 3);
    close(fd);
    unlink(path);
}

static void msg_calls(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    struct iovec three[3] = {{(void *)"012", 3}, {(void *)"34567", 5}, {(void *)"89abcde", 7}};
    struct msghdr mh = {.msg_iov = three, .msg_iovlen = 3};
    sendmsg(sv[0], &mh, 0);
    char a[4], b[64];
    struct iovec rd[2] = {{a, sizeof a}, {b, sizeof b}};
    struct sockaddr_un from;
    struct msghdr rmh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = rd, .msg_iovlen = 2};
    recvmsg(sv[1], &rmh, 0);

    /* SCM_RIGHTS and SCM_CREDENTIALS */
    int one = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr cm = {.msg_iov = three, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *h = CMSG_FIRSTHDR(&cm);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    int zero = 0;
    memcpy(CMSG_DATA(h), &zero, sizeof zero);
    sendmsg(sv[0], &cm, 0);
    union {
        char buf[256];
        struct cmsghdr align;
    } rctl;
    struct msghdr rcm = {.msg_iov = rd, .msg_iovlen = 2, .msg_control = rctl.buf, .msg_controllen = sizeof rctl.buf};
    int got = recvmsg(sv[1], &rcm, MSG_CMSG_CLOEXEC);
    if (got >= 0) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&rcm); c; c = CMSG_NXTHDR(&rcm, c))
            if (c->cmsg_type == SCM_RIGHTS) close(*(int *)CMSG_DATA(c));
    }

    sendmsg(sv[0], NULL, 0);
    sendmsg(sv[0], (struct msghdr *)hole, 0);
    recvmsg(sv[1], &rmh, MSG_DONTWAIT); /* EAGAIN */
    /* control data that cannot be read, or only in part */
    struct msghdr badctl = {.msg_iov = three, .msg_iovlen = 1, .msg_control = hole, .msg_controllen = 24};
    sendmsg(sv[0], &badctl, 0);
    memcpy(edge(16), ctl.buf, 16);
    badctl.msg_control = edge(16);
    sendmsg(sv[0], &badctl, 0);
    struct msghdr badiov = {.msg_iov = (struct iovec *)hole, .msg_iovlen = 2};
    sendmsg(sv[0], &badiov, 0);

    /* sendmmsg with two messages of several iovecs, recvmmsg with a timeout */
    struct iovec two[2] = {{(void *)"hello ", 6}, {(void *)"world", 5}};
    struct mmsghdr mm[2];
    memset(mm, 0, sizeof mm);
    mm[0].msg_hdr.msg_iov = three;
    mm[0].msg_hdr.msg_iovlen = 3;
    mm[1].msg_hdr.msg_iov = two;
    mm[1].msg_hdr.msg_iovlen = 2;
    sendmmsg(sv[0], mm, 2, 0);
    char r1[8], r2[64], r3[64];
    struct iovec ri1[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
    struct iovec ri2[1] = {{r3, sizeof r3}};
    struct mmsghdr rm[2];
    memset(rm, 0, sizeof rm);
    rm[0].msg_hdr.msg_iov = ri1;
    rm[0].msg_hdr.msg_iovlen = 2;
    rm[1].msg_hdr.msg_iov = ri2;
    rm[1].msg_hdr.msg_iovlen = 1;
    struct timespec tmo = {.tv_sec = 0, .tv_nsec = 12345678};
    recvmmsg(sv[1], rm, 2, 0, &tmo);
    recvmmsg(sv[1], rm, 2, MSG_DONTWAIT, NULL); /* EAGAIN */
    close(sv[0]);
    close(sv[1]);
}

static void addr_calls(const char *dir) {
    /* connect with bad addresses */
    connect(-1, NULL, 0);
    connect(-1, (struct sockaddr *)hole, 16);
    connect(-1, edge(12), sizeof(struct sockaddr_un)); /* 12 readable bytes of a 110-byte sockaddr */
    connect(-1, edge(sizeof(struct sockaddr_in)), -1);

    /* accept4 into buffers shorter and longer than the address */
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "%s/s", dir);
    unlink(un.sun_path);
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(srv, (struct sockaddr *)&un, sizeof un);
    listen(srv, 8);
    int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c1, (struct sockaddr *)&un, sizeof un);
    struct sockaddr_un peer;
    socklen_t len = 2;
    int a1 = accept4(srv, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    len = sizeof peer;
    getsockname(a1, (struct sockaddr *)&peer, &len);
    len = 5;
    getsockname(a1, (struct sockaddr *)&peer, &len);
    len = sizeof peer;
    getpeername(a1, (struct sockaddr *)&peer, &len);
    len = sizeof peer;
    getpeername(srv, (struct sockaddr *)&peer, &len); /* ENOTCONN */
    getsockname(a1, (struct sockaddr *)&peer, (socklen_t *)hole);
    getsockname(a1, (struct sockaddr *)&peer, NULL);
    close(a1);
    close(c1);
    c1 = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c1, (struct sockaddr *)&un, sizeof un);
    len = sizeof peer;
    a1 = accept(srv, (struct sockaddr *)&peer, &len);
    close(a1);
    close(c1);
    /* a named peer and a 2-byte buffer: the kernel reports the whole length, writes 2 bytes */
    struct sockaddr_un me = {.sun_family = AF_UNIX};
    snprintf(me.sun_path, sizeof me.sun_path, "%s/c", dir);
    unlink(me.sun_path);
    c1 = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(c1, (struct sockaddr *)&me, sizeof me);
    connect(c1, (struct sockaddr *)&un, sizeof un);
    len = 2;
    a1 = accept4(srv, (struct sockaddr *)&peer, &len, 0);
    len = -1;
    getpeername(a1, (struct sockaddr *)&peer, &len);
    close(a1);
    close(c1);
    unlink(me.sun_path);
    close(srv);
    unlink(un.sun_path);

    /* TCP: accept with [16 => 16], recvfrom with an address length */
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(t, (struct sockaddr *)&sa, sizeof sa);
    listen(t, 8);
    len = sizeof sa;
    getsockname(t, (struct sockaddr *)&sa, &len);
    int tc = socket(AF_INET, SOCK_STREAM, 0);
    connect(tc, (struct sockaddr *)&sa, sizeof sa);
    struct sockaddr_storage ss;
    len = sizeof ss;
    int ta = accept(t, (struct sockaddr *)&ss, &len);

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in us = {.sin_family = AF_INET};
    us.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(u, (struct sockaddr *)&us, sizeof us);
    len = sizeof us;
    getsockname(u, (struct sockaddr *)&us, &len);
    sendto(u, "ping", 4, 0, (struct sockaddr *)&us, sizeof us);
    char buf[64];
    len = sizeof ss;
    recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&ss, &len);
    sendto(u, "pong", 4, 0, (struct sockaddr *)&us, sizeof us);
    /* ioctls with an int argument: in, out, and a bad pointer */
    int avail = -1, nb = 1;
    ioctl(u, FIONREAD, &avail);
    ioctl(u, FIONBIO, &nb);
    ioctl(u, FIONREAD, hole);
    nb = 0;
    ioctl(u, FIONBIO, &nb);
    len = 4;
    recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&ss, &len);
    len = sizeof ss;
    recvfrom(u, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&ss, &len); /* EAGAIN */
    sendto(u, "data", 4, 0, (struct sockaddr *)hole, sizeof us);
    sendto(u, hole, 4, 0, (struct sockaddr *)&us, sizeof us);
    memcpy(edge(2), "ab", 2);
    sendto(u, edge(2), 4, 0, (struct sockaddr *)&us, sizeof us);
    close(u);

    /* getsockopt: lengths in and out, bad and negative lengths; option names by direction */
    int v = 0;
    len = 5;
    getsockopt(tc, SOL_SOCKET, SO_DEBUG, &v, &len);
    len = 4;
    getsockopt(tc, SOL_SOCKET, SO_TYPE, &v, &len);
    len = -1;
    getsockopt(tc, SOL_SOCKET, SO_TYPE, &v, &len);
    getsockopt(tc, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)hole);
    getsockopt(tc, SOL_SOCKET, SO_TYPE, &v, NULL);
    len = 4;
    getsockopt(tc, SOL_SOCKET, SO_TYPE, hole, &len);
    struct linger lg;
    len = sizeof lg;
    getsockopt(tc, SOL_SOCKET, SO_LINGER, &lg, &len);
    char filt[64];
    len = sizeof filt;
    getsockopt(tc, SOL_SOCKET, SO_ATTACH_FILTER, filt, &len);
    len = sizeof v;
    getsockopt(tc, SOL_SOCKET, SO_PEEK_OFF, &v, &len);
    len = sizeof v;
    getsockopt(tc, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    close(ta);
    close(tc);
    close(t);
}

static void wait_calls(void) {
    int p[2];
    pipe(p);
    write(p[1], "x", 1);
    /* select: fd sets in and out */
    fd_set r, w, e;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(p[0], &r);
    FD_SET(p[1], &r);
    FD_SET(p[1], &w);
    FD_SET(p[0], &e);
    struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
    select(p[1] + 1, &r, &w, &e, &tv);
    FD_ZERO(&r);
    FD_SET(p[1], &w);
    select(p[1] + 1, NULL, &w, NULL, NULL);
    /* the select system call itself (glibc's select() is pselect6): a timeval, left in usec */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    syscall(SYS_select, p[1] + 1, &r, NULL, NULL, &tv);
    select(p[1] + 1, (fd_set *)hole, NULL, NULL, NULL);
    FD_ZERO(&r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    select(p[1] + 1, &r, NULL, NULL, &tv);
    /* pselect6 with a signal mask */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
    pselect(p[0] + 1, &r, NULL, NULL, &ts, &mask);
    pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL);

    /* poll: negative fds, an array cut by the unmapped page */
    struct pollfd pf[3] = {{.fd = p[0], .events = POLLIN}, {.fd = -1, .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
    poll(pf, 3, 0);
    struct pollfd *cut = edge(sizeof(struct pollfd));
    cut[0].fd = p[0];
    cut[0].events = POLLIN;
    poll(cut, 2, 0);
    poll((struct pollfd *)hole, 1, 0);
    poll(NULL, 0, 0);
    ppoll(pf, 3, &ts, NULL);
    ppoll(pf, 3, &ts, &mask);

    /* epoll_ctl: EPOLL_CTL_DEL ignores the event */
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev);
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (struct epoll_event *)hole);
    close(ep);
    close(p[0]);
    close(p[1]);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    hole = page + 4096;
    munmap(hole, 4096);
    iov_calls(argv[1]);
    msg_calls();
    addr_calls(argv[1]);
    wait_calls();
    return 0;
}
