/* argv[2] round trips against 127.0.0.1:argv[1]: connect, send 16 bytes, receive them, close. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 7;
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    char buf[64];
    int ok = 0;
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
            send(fd, "renacer-bench-16", 16, 0) == 16 && recv(fd, buf, sizeof buf, 0) == 16)
            ok++;
        close(fd);
    }
    printf("%d/%d round trips\n", ok, n);
    return ok == n ? 0 : 1;
}
