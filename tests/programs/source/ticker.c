/* --source test: runs until killed, asking getppid every 20 ms from tick(); for -p attach. */
#include <unistd.h>

static volatile long total;

__attribute__((noinline)) static int tick(void) {
    int r = (int)getppid(); /* SRC: tick */
    total += r;
    return r;
}

int main(void) {
    for (;;) {
        if (tick() < 0)
            return 1;
        usleep(20000);
    }
}
