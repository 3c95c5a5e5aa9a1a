/* 4 threads each create and join argv[1] short-lived threads that call getppid once. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static int n;

static void *leaf(void *arg) { (void)arg; getppid(); return NULL; }

static void *spawner(void *arg) {
    (void)arg;
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_create(&t, NULL, leaf, NULL);
        pthread_join(t, NULL);
    }
    return NULL;
}

int main(int argc, char **argv) {
    n = argc > 1 ? atoi(argv[1]) : 500;
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, spawner, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    return 0;
}
