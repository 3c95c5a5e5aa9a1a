/* Counts SIGTERMs for up to 3 s (or until the first one plus 0.5 s), then reports the count. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t count;

static void on_term(int sig) { (void)sig; count++; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    printf("ready\n");
    fflush(stdout);
    struct timespec tick = {0, 10 * 1000 * 1000};
    int after = 0;
    for (int i = 0; i < 300 && after < 50; i++) {
        nanosleep(&tick, NULL);
        if (count) after++;
    }
    printf("SIGTERM %d\n", (int)count);
    return 0;
}
