/* argv[1] getppid calls; then, with a port in argv[2]: socket, connect to 127.0.0.1:port, send
 * "ping", recvfrom the reply (a test's server answers after a known delay), close. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    if (argc < 3) return 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    char buf[64];
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || send(fd, "ping", 4, 0) != 4) return 1;
    ssize_t got = recvfrom(fd, buf, sizeof buf, 0, NULL, NULL);
    close(fd);
    return got == 4 ? 0 : 1;
}
