/* --source test: one call site (emit's write) reached from two callers at the same stack depth,
 * alternately: the unwinder's per-site memo must tell them apart by the stack's contents. */
#include <fcntl.h>
#include <unistd.h>

static int devnull, failures;

__attribute__((noinline)) static void emit(const char *s) {
    if (write(devnull, s, 1) != 1)
        failures++;
}

__attribute__((noinline)) static void from_a(void) {
    emit("a"); /* SRC: from-a */
    failures += devnull < 0;
}

__attribute__((noinline)) static void from_b(void) {
    emit("b"); /* SRC: from-b */
    failures += devnull < 0;
}

int main(void) {
    devnull = open("/dev/null", O_WRONLY);
    for (int i = 0; i < 3; i++) {
        from_a();
        from_b();
    }
    return failures;
}
