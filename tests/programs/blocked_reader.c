/* A thread blocks in read on a pipe while the main thread makes N getppid calls, then writes to
 * the pipe: the read is entered early and returns late, so its row lands in a later row group. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

static int fds[2];

static void *reader(void *arg) {
    char c;
    (void)arg;
    read(fds[0], &c, 1);
    return NULL;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 140000;
    pthread_t t;
    pipe(fds);
    pthread_create(&t, NULL, reader, NULL);
    usleep(50000);  /* the reader is blocked in read before the calls start */
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    write(fds[1], "x", 1);
    pthread_join(t, NULL);
    return 0;
}
