/* argv[1] rounds over a unix stream socketpair: writev of three iovecs, readv into two, sendmsg
 * and recvmsg of two iovecs, sendmmsg/recvmmsg of two datagrams on a datagram pair; the iovec
 * calls of a chatty network client, for measuring trace bytes per event. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    int s[2], d[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    char a[8], b[64];
    for (int i = 0; i < n; i++) {
        struct iovec three[3] = {{(void *)"GET ", 4}, {(void *)"/index.html", 11}, {(void *)" HTTP/1.1\r\n", 11}};
        writev(s[0], three, 3);
        struct iovec two[2] = {{a, sizeof a}, {b, sizeof b}};
        readv(s[1], two, 2);
        struct msghdr mh = {.msg_iov = three, .msg_iovlen = 2};
        sendmsg(s[0], &mh, 0);
        struct msghdr rh = {.msg_iov = two, .msg_iovlen = 2};
        recvmsg(s[1], &rh, 0);
        struct mmsghdr mm[2];
        memset(mm, 0, sizeof mm);
        mm[0].msg_hdr.msg_iov = three;
        mm[0].msg_hdr.msg_iovlen = 1;
        mm[1].msg_hdr.msg_iov = three + 1;
        mm[1].msg_hdr.msg_iovlen = 1;
        sendmmsg(d[0], mm, 2, 0);
        struct iovec r1 = {a, sizeof a}, r2 = {b, sizeof b};
        struct mmsghdr rm[2];
        memset(rm, 0, sizeof rm);
        rm[0].msg_hdr.msg_iov = &r1;
        rm[0].msg_hdr.msg_iovlen = 1;
        rm[1].msg_hdr.msg_iov = &r2;
        rm[1].msg_hdr.msg_iovlen = 1;
        recvmmsg(d[1], rm, 2, 0, NULL);
    }
    return 0;
}
