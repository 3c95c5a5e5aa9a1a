/* --source test: the call is made inside a function inlined into main. */
#include <fcntl.h>
#include <unistd.h>

static inline __attribute__((always_inline)) int open_quiet(const char *path) {
    int fd = open(path, O_RDONLY); /* SRC: inlined-open */
    return fd;
}

int main(void) {
    int fd = open_quiet("/dev/null");
    if (fd >= 0)
        close(fd);
    return fd < 0;
}
