/* --source test: the program's own shared library makes the call. */
#include <fcntl.h>
#include <unistd.h>

int lib_opened;

int lib_open(const char *path) {
    int fd = open(path, O_RDONLY); /* SRC: lib-open */
    if (fd >= 0)
        lib_opened++;
    return fd;
}
