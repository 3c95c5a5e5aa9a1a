/* argv[2] requests to 127.0.0.1:argv[1], each on its own TCP connection: connect, send "ping\n",
 * receive the answer, close; then argv[3] extra connects that send nothing (a variant that adds
 * connects). Deterministic: the same arguments make the same syscalls. Used by the diff tests. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int dial(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("connect");
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 9;
    int requests = argc > 2 ? atoi(argv[2]) : 4;
    int extra = argc > 3 ? atoi(argv[3]) : 0;
    char buf[64];
    for (int i = 0; i < requests; i++) {
        int fd = dial(port);
        send(fd, "ping\n", 5, 0);
        ssize_t got = 0, n;
        while (got < 5 && (n = recvfrom(fd, buf + got, sizeof buf - got, 0, NULL, NULL)) > 0) got += n;
        close(fd);
    }
    for (int i = 0; i < extra; i++) close(dial(port));
    return 0;
}
