/* uname, fcntl's struct flock and getrandom with good and bad arguments, for comparing renacer
 * with strace.
 *
 * Usage: decode_misc TMPDIR
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *hole = page + 4096;
    munmap(hole, 4096);

    struct utsname u;
    uname(&u);
    uname((struct utsname *)hole);

    char path[512];
    snprintf(path, sizeof path, "%s/lock", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    fcntl(fd, F_SETLK, &fl);
    fl.l_type = F_RDLCK;
    fl.l_start = 100;
    fl.l_len = 0;
    fl.l_whence = SEEK_CUR;
    fcntl(fd, F_SETLKW, &fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;
    fcntl(fd, F_GETLK, &fl);
    fl.l_pid = 0;
    fcntl(fd, F_OFD_GETLK, &fl);
    fl.l_type = F_UNLCK;
    fl.l_pid = 0;
    fcntl(fd, F_OFD_SETLK, &fl);
    fcntl(fd, F_SETLK, hole);
    fcntl(fd, F_SETLK, NULL);
    close(fd);
    unlink(path);

    unsigned char rnd[48];
    getrandom(rnd, 16, 0);
    getrandom(rnd, sizeof rnd, GRND_NONBLOCK);
    getrandom(hole, 8, 0);
    return 0;
}
