/* Netlink requests and replies (NETLINK_ROUTE, NETLINK_SOCK_DIAG) and link-layer sockets, for
 * comparing renacer with strace.
 *
 * Usage: decode_netlink TMPDIR
 * Asks the kernel for the loopback interface only (RTM_GETLINK by index, RTM_GETADDR of lo), a
 * request it refuses (NLMSG_ERROR), dumps whose filters match nothing (a bare NLMSG_DONE), and
 * opens an AF_PACKET socket bound to lo when allowed (root): it sends nothing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int lo_index(void) {
    char buf[16] = "";
    int fd = open("/sys/class/net/lo/ifindex", O_RDONLY);
    if (fd >= 0) {
        read(fd, buf, sizeof buf - 1);
        close(fd);
    }
    return atoi(buf);
}

static char reply[65536];

/* read replies until NLMSG_DONE or NLMSG_ERROR (or nothing more) */
static void drain(int fd) {
    for (int i = 0; i < 16; i++) {
        struct sockaddr_nl from;
        struct iovec iov = {reply, sizeof reply};
        struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
        if (n <= 0) return;
        for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) return;
    }
}

static void route(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl me = {.nl_family = AF_NETLINK};
    bind(fd, (struct sockaddr *)&me, sizeof me);
    socklen_t len = sizeof me;
    getsockname(fd, (struct sockaddr *)&me, &len);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

    /* the header alone, as glibc's getaddrinfo asks for addresses */
    struct nlmsghdr bare = {.nlmsg_len = sizeof bare, .nlmsg_type = RTM_GETADDR,
                            .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1};
    sendto(fd, &bare, sizeof bare, 0, (struct sockaddr *)&kernel, sizeof kernel);
    drain(fd);

    /* one link by index */
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } link = {{.nlmsg_len = sizeof link, .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 2},
              {.ifi_family = AF_UNSPEC, .ifi_index = lo_index()}};
    sendto(fd, &link, sizeof link, 0, (struct sockaddr *)&kernel, sizeof kernel);
    drain(fd);

    /* a link that does not exist, with an acknowledgement asked: NLMSG_ERROR */
    link.h.nlmsg_seq = 3;
    link.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    link.i.ifi_index = 0x7fff0000;
    struct iovec iov = {&link, sizeof link};
    struct msghdr mh = {.msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = &iov, .msg_iovlen = 1};
    sendmsg(fd, &mh, 0);
    drain(fd);

    /* an address dump of the loopback interface's family only */
    struct {
        struct nlmsghdr h;
        struct ifaddrmsg a;
    } addr = {{.nlmsg_len = sizeof addr, .nlmsg_type = RTM_GETADDR, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
               .nlmsg_seq = 4},
              {.ifa_family = AF_INET, .ifa_index = lo_index()}};
    send(fd, &addr, sizeof addr, 0);
    drain(fd);

    /* a copy of the socket speaks its protocol; a copy of a file is no socket */
    int copy = dup(fd);
    bare.nlmsg_seq = 7;
    sendto(copy, &bare, sizeof bare, 0, (struct sockaddr *)&kernel, sizeof kernel);
    drain(copy);
    close(copy);
    close(dup(2));

    /* bad pointers and a message shorter than its header */
    sendto(fd, NULL, 16, 0, NULL, 0);
    sendto(fd, "\x10\0\0\0", 4, 0, (struct sockaddr *)&kernel, sizeof kernel);
    close(fd);
}

static void diag(void) {
    int fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    /* bound (as ss binds): strace finds an unbound netlink socket's protocol only once the
     * kernel has bound it, at its first send */
    struct sockaddr_nl me = {.nl_family = AF_NETLINK};
    bind(fd, (struct sockaddr *)&me, sizeof me);
    /* TCP sockets in no state at all: the reply is a bare NLMSG_DONE */
    struct {
        struct nlmsghdr h;
        struct inet_diag_req_v2 r;
    } req = {{.nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
              .nlmsg_seq = 5},
             {.sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP, .idiag_states = 0}};
    struct iovec iov = {&req, sizeof req};
    struct msghdr mh = {.msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = &iov, .msg_iovlen = 1};
    sendmsg(fd, &mh, 0);
    drain(fd);
    /* unix sockets of no state: NLMSG_DONE again */
    struct {
        struct nlmsghdr h;
        struct unix_diag_req r;
    } ux = {{.nlmsg_len = sizeof ux, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
             .nlmsg_seq = 6},
            {.sdiag_family = AF_UNIX, .udiag_states = 0, .udiag_show = UDIAG_SHOW_NAME}};
    sendto(fd, &ux, sizeof ux, 0, (struct sockaddr *)&kernel, sizeof kernel);
    drain(fd);
    close(fd);
}

static void packet(void) {
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) return; /* not root */
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = lo_index()};
    bind(fd, (struct sockaddr *)&ll, sizeof ll);
    socklen_t len = sizeof ll;
    getsockname(fd, (struct sockaddr *)&ll, &len);
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
    close(fd);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    route();
    diag();
    packet();
    return 0;
}
