/* --source test: calls through its own shared library (libsrclib.so). */
#include <unistd.h>

int lib_open(const char *path);
extern int lib_opened;

int main(void) {
    int fd = lib_open("/dev/null");
    if (fd >= 0)
        close(fd); /* SRC: main-close */
    return lib_opened == 1 ? 0 : 1;
}
