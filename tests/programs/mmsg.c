/* Sends two UDP datagrams with one sendmmsg to 127.0.0.1:argv[1] (an echo server), then
 * receives both replies with one recvmmsg, like glibc's resolver asking for A and AAAA. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    connect(fd, (struct sockaddr *)&sa, sizeof sa);
    char *texts[2] = {"first datagram", "second one"};
    struct iovec out[2], in[2];
    struct mmsghdr msgs[2], replies[2];
    char bufs[2][64];
    memset(msgs, 0, sizeof msgs);
    memset(replies, 0, sizeof replies);
    for (int i = 0; i < 2; i++) {
        out[i].iov_base = texts[i];
        out[i].iov_len = strlen(texts[i]);
        msgs[i].msg_hdr.msg_iov = &out[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        in[i].iov_base = bufs[i];
        in[i].iov_len = sizeof bufs[i];
        replies[i].msg_hdr.msg_iov = &in[i];
        replies[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(fd, msgs, 2, 0);
    int got = 0;
    while (got < 2) {
        int n = recvmmsg(fd, replies + got, 2 - got, 0, NULL);
        if (n <= 0) break;
        got += n;
    }
    printf("sent %d got %d\n", sent, got);
    return 0;
}
