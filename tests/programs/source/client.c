/* --source test: a TCP client whose calls the test locates by their marker comments.
 * usage: client PORT   (connects to 127.0.0.1:PORT; a refused port makes connect fail) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int attempts;

__attribute__((noinline)) int connect_to_server(int port) {
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP); /* SRC: socket */
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    attempts++;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { /* SRC: connect */
        close(fd); /* SRC: close */
        return -1;
    }
    return fd;
}

int main(int argc, char **argv) {
    int fd = connect_to_server(argc > 1 ? atoi(argv[1]) : 9);
    if (fd >= 0)
        close(fd);
    return fd < 0 ? 3 : attempts - 1;
}
