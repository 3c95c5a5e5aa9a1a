/* A close-heavy program: argv[1] times open+close of /dev/null, then argv[3] TCP round trips
 * against 127.0.0.1:argv[2] (socket, connect, send, recv, close). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int files = argc > 1 ? atoi(argv[1]) : 100000;
    int port = argc > 2 ? atoi(argv[2]) : 7;
    int trips = argc > 3 ? atoi(argv[3]) : 10;
    char buf[64];
    int ok = 0;
    for (int i = 0; i < files; i++)
        close(open("/dev/null", O_RDONLY));
    for (int i = 0; i < trips; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
            send(fd, "renacer-bench-16", 16, 0) == 16 && recv(fd, buf, sizeof buf, 0) == 16)
            ok++;
        close(fd);
    }
    return ok == trips ? 0 : 1;
}
