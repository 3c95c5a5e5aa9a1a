/* argv[1] getpid calls, then argv[3] TCP connects to 127.0.0.1:argv[2] (each closed at once). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    int port = argc > 2 ? atoi(argv[2]) : 9;
    int conns = argc > 3 ? atoi(argv[3]) : 10;
    for (long i = 0; i < n; i++) syscall(SYS_getpid);
    int ok = 0;
    for (int i = 0; i < conns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) ok++;
        close(fd);
    }
    printf("connected %d\n", ok);
    return 0;
}
