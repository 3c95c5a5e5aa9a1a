/* Four threads each make 100 getppid calls and report their tid; the main thread reports pid. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 100; i++) getppid();
    printf("tid %ld\n", (long)syscall(SYS_gettid));
    fflush(stdout);
    return NULL;
}

int main(void) {
    pthread_t t[4];
    printf("pid %d\n", getpid());
    fflush(stdout);
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    return 0;
}
