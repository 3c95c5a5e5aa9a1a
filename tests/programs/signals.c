/* Installs a SIGUSR1 handler, signals itself, reports delivery, then exits with argv[1]
 * (default 0) or, with argv[1] == "kill", kills itself with SIGKILL. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig) { got = sig; }

int main(int argc, char **argv) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    printf("handler got %d\n", (int)got);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "kill") == 0) kill(getpid(), SIGKILL);
    return argc > 1 ? atoi(argv[1]) : 0;
}
