/* Control messages (ancillary data) of every level strace decodes, sent and received, for
 * comparing renacer with strace.
 *
 * Usage: decode_cmsg TMPDIR
 * Crafted control messages go out on a unix datagram socketpair (the kernel ignores levels other
 * than SOL_SOCKET there, and refuses unknown SOL_SOCKET types with EINVAL after strace has printed
 * them); real ones come back from UDP sockets on 127.0.0.1 and ::1 (IP_PKTINFO, IP_TTL, IP_TOS,
 * IP_ORIGDSTADDR, an ICMP error on the error queue, IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS).
 * Nothing leaves the loopback interface.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_TIMESTAMP_OLD
#define SO_TIMESTAMP_OLD 29
#define SO_TIMESTAMPNS_OLD 35
#define SO_TIMESTAMPING_OLD 37
#endif
#ifndef SCM_SECURITY
#define SCM_SECURITY 0x03
#endif
#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW 63
#define SO_TIMESTAMPNS_NEW 64
#define SO_TIMESTAMPING_NEW 65
#endif

/* the loopback interface's index, read from sysfs (if_nametoindex() asks with an ioctl whose
 * struct ifreq the recorder does not capture) */
static int lo_index(void) {
    char buf[16] = "";
    int fd = open("/sys/class/net/lo/ifindex", O_RDONLY);
    if (fd >= 0) {
        read(fd, buf, sizeof buf - 1);
        close(fd);
    }
    return atoi(buf);
}

static int sv[2];
static union {
    char buf[256];
    struct cmsghdr align;
} ctl;
static size_t used;

static void begin(void) {
    memset(&ctl, 0, sizeof ctl);
    used = 0;
}

/* append one control message with len payload bytes (and cmsg_len = CMSG_LEN(len)) */
static void add(int level, int type, const void *data, size_t len) {
    struct cmsghdr *h = (struct cmsghdr *)(ctl.buf + used);
    h->cmsg_level = level;
    h->cmsg_type = type;
    h->cmsg_len = CMSG_LEN(len);
    if (len) memcpy(CMSG_DATA(h), data, len);
    used += CMSG_SPACE(len);
}

static void send_ctl(size_t controllen) {
    struct iovec iov = {(void *)"x", 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = controllen};
    if (sendmsg(sv[0], &mh, MSG_DONTWAIT) > 0) {
        char b[8];
        recv(sv[1], b, sizeof b, MSG_DONTWAIT);
    }
}

static void crafted(void) {
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);

    /* SOL_IP: several messages in one buffer */
    begin();
    struct in_pktinfo pi = {.ipi_ifindex = lo_index()};
    inet_pton(AF_INET, "127.0.0.1", &pi.ipi_spec_dst);
    inet_pton(AF_INET, "127.0.0.2", &pi.ipi_addr);
    add(SOL_IP, IP_PKTINFO, &pi, sizeof pi);
    int ttl = 42;
    add(SOL_IP, IP_TTL, &ttl, sizeof ttl);
    unsigned char tos = 0x10;
    add(SOL_IP, IP_TOS, &tos, 1);
    unsigned char opts[5] = {0x94, 0x04, 0x00, 0x00, 0x01};
    add(SOL_IP, IP_RETOPTS, opts, sizeof opts);
    send_ctl(used);

    begin();
    add(SOL_IP, IP_RECVOPTS, opts, 2);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(5353)};
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    add(SOL_IP, IP_ORIGDSTADDR, &dst, sizeof dst);
    struct {
        struct sock_extended_err ee;
        struct sockaddr_in offender;
    } err = {{.ee_errno = ECONNREFUSED, .ee_origin = SO_EE_ORIGIN_ICMP, .ee_type = 3, .ee_code = 3,
              .ee_info = 7, .ee_data = 9},
             dst};
    add(SOL_IP, IP_RECVERR, &err, sizeof err);
    send_ctl(used);

    /* too short for its printer: no cmsg_data, or the raw bytes */
    begin();
    add(SOL_IP, IP_PKTINFO, &pi, 4);
    add(SOL_IP, IP_TTL, &ttl, 0);
    add(SOL_IP, 99, &ttl, sizeof ttl);
    send_ctl(used);

    /* SOL_IPV6 */
    begin();
    struct in6_pktinfo p6 = {.ipi6_ifindex = lo_index()};
    inet_pton(AF_INET6, "::1", &p6.ipi6_addr);
    add(SOL_IPV6, IPV6_PKTINFO, &p6, sizeof p6);
    int hops = 64, tclass = 0x28;
    add(SOL_IPV6, IPV6_HOPLIMIT, &hops, sizeof hops);
    add(SOL_IPV6, IPV6_TCLASS, &tclass, sizeof tclass);
    send_ctl(used);

    /* SOL_SOCKET timestamps (the kernel refuses them on send: strace prints them first) */
    begin();
    struct timeval tv = {.tv_sec = 1234567890, .tv_usec = 123456};
    add(SOL_SOCKET, SO_TIMESTAMP_OLD, &tv, sizeof tv);
    struct timespec ts[3] = {{1234567890, 123456789}, {0, 0}, {5, 6}};
    add(SOL_SOCKET, SO_TIMESTAMPNS_OLD, ts, sizeof ts[0]);
    add(SOL_SOCKET, SO_TIMESTAMPING_OLD, ts, sizeof ts);
    send_ctl(used);
    begin();
    add(SOL_SOCKET, SO_TIMESTAMP_NEW, &tv, sizeof tv);
    add(SOL_SOCKET, SO_TIMESTAMPNS_NEW, ts, sizeof ts[0]);
    add(SOL_SOCKET, SO_TIMESTAMPING_NEW, ts, sizeof ts);
    send_ctl(used);
    begin();
    add(SOL_SOCKET, SCM_SECURITY, "unconfined", 10);
    send_ctl(used);
    begin();
    struct ucred cr = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
    add(SOL_SOCKET, SCM_CREDENTIALS, &cr, sizeof cr);
    send_ctl(used);
    /* no payload at all, then a cmsg_len shorter than the header */
    begin();
    add(SOL_SOCKET, SCM_RIGHTS, NULL, 0);
    send_ctl(used);
    begin();
    add(SOL_SOCKET, SCM_RIGHTS, NULL, 0);
    ((struct cmsghdr *)ctl.buf)->cmsg_len = 8;
    send_ctl(16);
    /* a control buffer shorter than one header, and one whose last message is cut short */
    begin();
    add(SOL_SOCKET, SCM_RIGHTS, &sv[0], sizeof(int));
    send_ctl(12);
    begin();
    add(SOL_IP, IP_TTL, &ttl, sizeof ttl);
    add(SOL_IP, IP_TTL, &ttl, sizeof ttl);
    send_ctl(used + 8);

    /* 60 descriptors in one SCM_RIGHTS: more than strace's -s elements */
    begin();
    int fds[60];
    for (int i = 0; i < 60; i++) fds[i] = sv[0];
    add(SOL_SOCKET, SCM_RIGHTS, fds, sizeof fds);
    struct iovec iov = {(void *)"x", 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = used};
    sendmsg(sv[0], &mh, 0);
    char b[8];
    union {
        char buf[256];
        struct cmsghdr align;
    } rctl;
    struct msghdr rm = {.msg_iov = &(struct iovec){b, sizeof b}, .msg_iovlen = 1, .msg_control = rctl.buf,
                        .msg_controllen = sizeof rctl.buf};
    if (recvmsg(sv[1], &rm, 0) >= 0) {
        struct cmsghdr *h = CMSG_FIRSTHDR(&rm);
        if (h && h->cmsg_type == SCM_RIGHTS) {
            int n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (int i = 0; i < n; i++) close(((int *)CMSG_DATA(h))[i]);
        }
    }
    close(sv[0]);
    close(sv[1]);
}

static void received4(void) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(u, (struct sockaddr *)&a, sizeof a);
    socklen_t len = sizeof a;
    getsockname(u, (struct sockaddr *)&a, &len);
    int one = 1;
    setsockopt(u, SOL_IP, IP_PKTINFO, &one, sizeof one);
    setsockopt(u, SOL_IP, IP_RECVTTL, &one, sizeof one);
    setsockopt(u, SOL_IP, IP_RECVTOS, &one, sizeof one);
    setsockopt(u, SOL_IP, IP_RECVORIGDSTADDR, &one, sizeof one);
    sendto(u, "ping", 4, 0, (struct sockaddr *)&a, sizeof a);
    char b[16];
    union {
        char buf[256];
        struct cmsghdr align;
    } rctl;
    struct sockaddr_in from;
    struct msghdr rm = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &(struct iovec){b, sizeof b},
                        .msg_iovlen = 1, .msg_control = rctl.buf, .msg_controllen = sizeof rctl.buf};
    recvmsg(u, &rm, 0);

    /* an ICMP port unreachable on the error queue: a port bound, then closed */
    int gone = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in g = {.sin_family = AF_INET};
    g.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(gone, (struct sockaddr *)&g, sizeof g);
    len = sizeof g;
    getsockname(gone, (struct sockaddr *)&g, &len);
    close(gone);
    setsockopt(u, SOL_IP, IP_RECVERR, &one, sizeof one);
    sendto(u, "ping", 4, 0, (struct sockaddr *)&g, sizeof g);
    struct pollfd pf = {.fd = u, .events = 0};
    poll(&pf, 1, 1000);
    rm.msg_namelen = sizeof from;
    rm.msg_controllen = sizeof rctl.buf;
    recvmsg(u, &rm, MSG_ERRQUEUE);
    close(u);
}

static void received6(void) {
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    if (u < 0) return;
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (bind(u, (struct sockaddr *)&a, sizeof a) < 0) {
        close(u);
        return;
    }
    socklen_t len = sizeof a;
    getsockname(u, (struct sockaddr *)&a, &len);
    int one = 1;
    setsockopt(u, SOL_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    setsockopt(u, SOL_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one);
    setsockopt(u, SOL_IPV6, IPV6_RECVTCLASS, &one, sizeof one);
    sendto(u, "ping", 4, 0, (struct sockaddr *)&a, sizeof a);
    char b[16];
    union {
        char buf[256];
        struct cmsghdr align;
    } rctl;
    struct msghdr rm = {.msg_iov = &(struct iovec){b, sizeof b}, .msg_iovlen = 1, .msg_control = rctl.buf,
                        .msg_controllen = sizeof rctl.buf};
    recvmsg(u, &rm, 0);
    close(u);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    crafted();
    received4();
    received6();
    return 0;
}
