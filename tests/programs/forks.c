/* Forks N children (argv[1], default 50); child i calls getppid once and exits with i % 100. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 50;
    int sum = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            getppid();
            _exit(i % 100);
        }
    }
    for (int i = 0; i < n; i++) {
        int status;
        if (wait(&status) > 0 && WIFEXITED(status)) sum += WEXITSTATUS(status);
    }
    printf("children %d sum %d\n", n, sum);
    return 0;
}
