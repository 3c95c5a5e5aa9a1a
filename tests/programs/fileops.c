/* A deterministic sequence of file calls in directory argv[1], including failures. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char path[4096];
    char buf[64];
    if (argc < 2) return 2;
    snprintf(path, sizeof path, "%s/data.txt", argv[1]);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, "hello renacer\n", 14);
    close(fd);
    fd = open(path, O_RDONLY);
    read(fd, buf, sizeof buf);
    read(fd, buf, sizeof buf);
    close(fd);
    open("/nonexistent/renacer", O_RDONLY);
    close(-1);
    unlink(path);
    write(1, "done\n", 5);
    return 0;
}
