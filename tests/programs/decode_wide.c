/* The wider list: socket option structures and raw values, option levels beyond IP/TCP, ioctl
 * arguments, eventfd/signalfd/timerfd, 32-bit arguments passed in 64-bit registers, file modes
 * with high bits set, long iovec and mmsg arrays; for comparing renacer with strace.
 *
 * Usage: decode_wide TMPDIR
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef SIOCGSTAMP_NEW
#define SIOCGSTAMP_NEW 0x80108906
#endif

static void options(void) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct ip_mreq mr;
    inet_pton(AF_INET, "239.1.2.3", &mr.imr_multiaddr);
    inet_pton(AF_INET, "127.0.0.1", &mr.imr_interface);
    setsockopt(u, SOL_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr);
    setsockopt(u, SOL_IP, IP_DROP_MEMBERSHIP, &mr, sizeof mr);
    struct linger lg = {.l_onoff = 1, .l_linger = 5};
    setsockopt(u, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    /* a raw value shorter than an int, and a longer one */
    unsigned char b = 1;
    setsockopt(u, SOL_IP, IP_TOS, &b, 1);
    unsigned char six[6] = {1, 2, 3, 4, 5, 6};
    setsockopt(u, SOL_IP, IP_OPTIONS, six, sizeof six);
    close(u);

    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    if (u6 >= 0) {
        struct ipv6_mreq m6 = {.ipv6mr_interface = 1};
        inet_pton(AF_INET6, "ff02::1:2", &m6.ipv6mr_multiaddr);
        setsockopt(u6, SOL_IPV6, IPV6_ADD_MEMBERSHIP, &m6, sizeof m6);
        setsockopt(u6, SOL_IPV6, IPV6_DROP_MEMBERSHIP, &m6, sizeof m6);
        close(u6);
    }
    /* SOL_RAW (needs root for the socket) and SOL_NETLINK */
    int r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (r >= 0) {
        unsigned int filt = ~(1U << 0);
        setsockopt(r, SOL_RAW, 1 /* ICMP_FILTER */, &filt, sizeof filt);
        filt = ~((1U << 0) | (1U << 8) | (1U << 30));
        setsockopt(r, SOL_RAW, 1 /* ICMP_FILTER */, &filt, sizeof filt);
        close(r);
    }
    int nl = socket(AF_NETLINK, SOCK_RAW, 0);
    int one = 1;
    setsockopt(nl, 270 /* SOL_NETLINK */, 11 /* NETLINK_EXT_ACK */, &one, sizeof one);
    close(nl);
}

static void ioctls(void) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    int owner = 0;
    ioctl(u, FIOGETOWN, &owner);
    ioctl(u, FIONREAD, NULL);
    ioctl(u, FIONBIO, NULL);
    char ts[16];
    ioctl(u, SIOCGSTAMP_NEW, ts); /* ENOENT: nothing received */
    close(u);
}

static void fds(void) {
    int e = eventfd(3, EFD_CLOEXEC | EFD_NONBLOCK);
    close(e);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    int s = signalfd(-1, &m, SFD_CLOEXEC);
    close(s);
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = {.it_interval = {0, 0}, .it_value = {5, 0}};
    struct itimerspec old;
    timerfd_settime(t, 0, &its, &old);
    timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL);
    timerfd_gettime(t, &old);
    close(t);
}

static void wide_args(const char *dir) {
    int p[2];
    pipe(p);
    write(p[1], "x", 1);
    struct pollfd pf[2] = {{.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
    /* nfds with garbage in the upper 32 bits: the kernel reads an unsigned int */
    struct timespec zero = {0, 0};
    syscall(SYS_ppoll, pf, 0x100000001UL, &zero, NULL, 8);
    char path[512];
    snprintf(path, sizeof path, "%s/mode", dir);
    /* a mode with bits above 07777 set: the kernel ignores them */
    int fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0xffff0644UL);
    syscall(SYS_fchmod, fd, 0x10000755UL);
    syscall(SYS_mkdirat, AT_FDCWD, path, 0xf0000700UL);
    close(fd);
    unlink(path);
    /* splice's flags with garbage in the upper half */
    int q[2];
    pipe(q);
    syscall(SYS_splice, p[0], NULL, q[1], NULL, 1, 0xffffffff00000000UL | SPLICE_F_NONBLOCK);
    close(q[0]);
    close(q[1]);
    close(p[0]);
    close(p[1]);
}

static void long_arrays(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/iov", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    static struct iovec many[100];
    for (int i = 0; i < 100; i++) {
        many[i].iov_base = (void *)"ab";
        many[i].iov_len = 2;
    }
    writev(fd, many, 100);
    close(fd);
    unlink(path);

    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    static struct mmsghdr mm[12];
    static struct iovec one[12];
    for (int i = 0; i < 12; i++) {
        one[i].iov_base = (void *)"m";
        one[i].iov_len = 1;
        mm[i].msg_hdr.msg_iov = &one[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    sendmmsg(sv[0], mm, 12, 0);
    close(sv[0]);
    close(sv[1]);
}

static void annotations(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/fl", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    fcntl(fd, F_GETFD);
    fcntl(fd, F_GETFL);
    fcntl(fd, F_GETLEASE);
    fcntl(fd, F_GETSIG);
    close(fd);
    unlink(path);
    int p[2];
    pipe(p);
    fcntl(p[0], F_GETPIPE_SZ);
    close(p[0]);
    close(p[1]);
    /* a link-local IPv6 address scoped to lo */
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    if (u6 >= 0) {
        struct sockaddr_in6 ll = {.sin6_family = AF_INET6, .sin6_port = htons(9), .sin6_scope_id = 1};
        inet_pton(AF_INET6, "fe80::1", &ll.sin6_addr);
        connect(u6, (struct sockaddr *)&ll, sizeof ll);
        close(u6);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    options();
    ioctls();
    fds();
    wide_args(argv[1]);
    long_arrays(argv[1]);
    annotations(argv[1]);
    return 0;
}
