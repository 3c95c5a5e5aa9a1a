/* The main thread blocks in read() on a pipe while a second thread execs argv[1]... */
#include <pthread.h>
#include <unistd.h>

static char **cmd;

static void *execer(void *arg) {
    (void)arg;
    usleep(100 * 1000);
    execv(cmd[0], cmd);
    return NULL;
}

int main(int argc, char **argv) {
    int fds[2];
    char c;
    pthread_t t;
    if (argc < 2) return 2;
    cmd = argv + 1;
    pipe(fds);
    pthread_create(&t, NULL, execer, NULL);
    read(fds[0], &c, 1);
    return 1;
}
