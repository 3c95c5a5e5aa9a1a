/* --source test: the parent forks, the child execs this program again, both open a file. */
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static int open_as(const char *who) {
    int fd = open("/dev/null", O_RDONLY); /* SRC: open */
    if (fd >= 0 && who[0])
        close(fd);
    return fd;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return open_as("child") < 0;
    pid_t pid = fork();
    if (pid == 0) {
        execl(argv[0], argv[0], "child", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return open_as("parent") < 0 || status != 0;
}
