// --source test: the open is made by libstdc++ (std::ofstream), on behalf of write_report.
#include <fstream>

__attribute__((noinline)) int write_report(const char *path) {
    std::ofstream out(path); // SRC: ofstream
    out << "report\n";
    return out.good() ? 0 : 1;
}

int main() { return write_report("/dev/null"); }
