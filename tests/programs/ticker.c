/* Prints an increasing counter every 20 ms, forever (for attach/stop tests). */
#include <stdio.h>
#include <time.h>

int main(void) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    for (unsigned long i = 0;; i++) {
        printf("%lu\n", i);
        fflush(stdout);
        nanosleep(&ts, NULL);
    }
}
