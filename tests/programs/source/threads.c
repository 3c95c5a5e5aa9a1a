/* --source test: four threads write from their own function; main writes too. */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

static int devnull;
static volatile int written;

__attribute__((noinline)) static void *worker(void *arg) {
    (void)arg;
    if (write(devnull, "w", 1) == 1) /* SRC: thread-write */
        __sync_fetch_and_add(&written, 1);
    return NULL;
}

int main(void) {
    pthread_t t[4];
    devnull = open("/dev/null", O_WRONLY);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, NULL); /* SRC: create */
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    if (write(devnull, "m", 1) == 1) /* SRC: main-write */
        written++;
    return written == 5 ? 0 : 1;
}
