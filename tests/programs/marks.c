/* Writes "mark N" to stdout argv[1] times, 200 ms apart; with argv[2], a second thread makes
 * 100k getppid calls meanwhile (load on the tracer). For the live-output interleaving test. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *busy(void *arg) {
    (void)arg;
    for (int i = 0; i < 100000; i++) syscall(SYS_getppid);
    return NULL;
}

int main(int argc, char **argv) {
    int marks = argc > 1 ? atoi(argv[1]) : 5;
    pthread_t t;
    if (argc > 2) pthread_create(&t, NULL, busy, NULL);
    struct timespec ts = {0, 200 * 1000 * 1000};
    char line[32];
    for (int i = 0; i < marks; i++) {
        int n = snprintf(line, sizeof line, "mark %d\n", i);
        write(1, line, n);
        nanosleep(&ts, NULL);
    }
    if (argc > 2) pthread_join(t, NULL);
    return 0;
}
