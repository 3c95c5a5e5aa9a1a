# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The ptrace event loop.

Everything between two flushes runs without the GIL and without Python objects: a stop is read
with waitpid + PTRACE_GET_SYSCALL_INFO, the memory an argument points to is copied with
process_vm_readv into per-thread scratch buffers, and a finished call becomes one fixed-size
``Rec`` in a C batch plus its bytes in four arenas. ``flush`` hands a batch to the sink as bytes
(the records and the four arenas); capture/batches.py turns them into Arrow columns in bulk.
This module imports neither numpy nor pyarrow, so the tracee starts before they are loaded.
"""
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, calloc, realloc, free
from libc.string cimport memcpy, memset, memchr, strerror
from libc.stdio cimport snprintf
from libc.errno cimport errno, EINTR, ECHILD, ESRCH, EACCES, EFAULT, EPERM, ENOMEM
from posix.types cimport pid_t
from posix.mman cimport PROT_EXEC

from libc_ptrace cimport *
from libc_wait cimport *
from libc_uio cimport iovec, process_vm_readv
from libc_signal cimport *
from libc_proc cimport *

cdef extern from "<sched.h>" nogil:
    int sched_yield()
    ctypedef struct cpu_set_t:
        pass
    void CPU_ZERO(cpu_set_t* s)
    void CPU_SET(int cpu, cpu_set_t* s)
    int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t* mask)
    int sched_getaffinity(pid_t pid, size_t size, cpu_set_t* mask)

cdef extern from "<time.h>" nogil:
    int nanosleep(const timespec* req, timespec* rem)


# Capture ops and sizes, row kinds, record flags, NR_MAX and the syscall numbers the loop names:
# generated from the schema by schema/gen_pxi.py (setup.py runs it at build time).
include "_schema_constants.pxi"

# The recorder's own tunables (not part of the trace contract).
cdef enum:
    LIVE_GAP_NS = 2000000       # live output: a line shows ~2 ms after its call, bursts batched
    LIVE_INTERVAL_NS = 20000000 # live output under load: a flush every 20 ms at most
    IDLE_FLUSH_NS = 100000000   # a flush with no new rows (calls in progress only): every 100 ms
    FORWARD_WAIT_NS = 100000000 # how long a signal sent to renacer waits to be seen by the command
    SPIN_NS = 30000             # how long the loop polls for the next stop before it sleeps
    PROMPT_GAP_NS = 2000000     # prompt live lines: a batch is handed over once its first row is 2 ms old
    PROMPT_IDLE_NS = 500000     # … and at once when the tracees pause, but not twice within 0.5 ms
    PROMPT_WAIT_MAX_NS = 1000000000  # never wait longer than this for a stuck renderer
    FOLLOW_EVERY_NS = 20000000  # follow_cpu: how often the tracee's CPU is looked up
    SOCK_FD = 1                 # FdSet: the descriptor is a socket the recorder saw made
    SOCK_CLOEXEC_FD = 2         # FdSet: … with close-on-exec (gone after an exec)
    MAX_PATH = 4096
    STACK_ARENA_MAX = 8 << 20   # --source: flush once the stack windows held reach this
    # --source on Python programs (py_capture): the frame chain read in C, resolved by capture/pyframes.py
    PY_MAX_FRAMES = 64
    PY_NOFF = 14                # offsets handed over per process, in pyframes.OFFSET_ORDER
    PY_TIDS = 8                 # threads remembered per process
    PY_REGIONS = 48             # a thread's reads remembered, replayed as one process_vm_readv
    PY_SNAP = 16384             # bytes of those reads

# Stack-arena entry markers shared with capture/pyframes.py (same values there).
cdef extern from *:
    """
    #define RN_PY_ROW_FLAG 0x80000000U
    #define RN_PY_END_ROW 0xFFFFFFFFU
    """
    const uint32_t PY_ROW_FLAG "RN_PY_ROW_FLAG"  # an entry holding a row's Python frames, not a window
    const uint32_t PY_END_ROW "RN_PY_END_ROW"    # a process image is gone, release its codes

cdef struct Buf:
    char* p
    size_t n
    size_t cap

cdef struct Rec:
    uint64_t seq
    uint64_t exit_seq
    int64_t ts
    int64_t dur
    int64_t ret
    uint64_t a0
    uint64_t a1
    uint64_t a2
    uint64_t a3
    uint64_t a4
    uint64_t a5
    int32_t pid
    int32_t tid
    int32_t data_len
    int32_t sa_len
    int32_t path_len
    int32_t mem_len
    int16_t nr
    uint8_t kind
    uint8_t flags

cdef struct Batch:
    Rec* recs
    size_t n
    size_t cap
    Buf data
    Buf sa
    Buf path
    Buf mem

cdef struct CapOp:
    uint8_t op
    uint8_t arg
    uint8_t n
    uint32_t unit

cdef struct FdSet:
    # Which descriptors of one process are sockets: one byte per fd (SOCK_FD, SOCK_CLOEXEC_FD),
    # shared by the threads of a process (refs), copied at fork. Only kept while closes are
    # recorded for sockets only (Recorder.record_socket_closes_only).
    uint8_t* fl
    size_t cap
    int refs

cdef struct Slot:
    int32_t tid
    int32_t tgid
    int in_syscall      # between a syscall's entry and its exit
    int recorded        # that syscall is being recorded
    int hide            # launched child before its first exec: record nothing
    int listening       # in group-stop under PTRACE_LISTEN
    Rec rec
    Buf data
    Buf sa
    Buf path
    Buf mem
    Buf xmem            # extra parts (schema/captures.py): appended after the base parts
    int has_data
    int has_sa
    int has_path
    int has_mem
    uint32_t nbase      # base parts written to mem
    int64_t len_in      # the socklen_t/optlen the caller passed (LEN_IN)
    int len_ok          # len_in could be read
    Buf stk             # --source: rip, rsp, rbp and the stack window captured at entry
    int has_stk
    int maps_ok         # --source: this thread's process image has had its mappings read
    Buf py              # --source on Python: (code id, instruction index) per frame, innermost first
    int has_py

    FdSet* fds          # its process's socket descriptors (NULL until needed)

cdef struct PyRegion:
    uint64_t addr
    uint32_t len
    uint32_t at         # where its bytes are in Recorder.py_buf


cdef struct PyTid:
    int32_t tid
    uint64_t ts         # its thread state
    int nreg            # the reads of its last walk, in order
    PyRegion reg[PY_REGIONS]


cdef struct PyProc:
    int32_t pid
    int state           # 0: ask pyframes, 1: a known CPython at runtime, 2: none found
    uint32_t gen        # this image's number: its code ids are released together
    uint64_t runtime    # _PyRuntime's address
    int64_t off[PY_NOFF]
    int64_t ts_lo
    int64_t ts_span
    int64_t fr_lo
    int64_t fr_span
    uint64_t* keys      # known code objects, open addressing on (address, first line)
    uint32_t* ids
    size_t cap
    size_t used
    PyTid tids[PY_TIDS]
    int next_tid


cdef inline int64_t min3(int64_t a, int64_t b, int64_t c) noexcept nogil:
    return a if a <= b and a <= c else (b if b <= c else c)


cdef inline int64_t max3(int64_t a, int64_t b, int64_t c) noexcept nogil:
    return a if a >= b and a >= c else (b if b >= c else c)


cdef inline uint64_t rd64(const uint8_t* p, int64_t off) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p + off, 8)
    return v


cdef inline void py_set(PyProc* p, uint64_t key, uint32_t cid) noexcept nogil:
    cdef size_t mask = p.cap - 1
    cdef size_t i = <size_t>((key >> 4) * 11400714819323198485ULL >> 40) & mask
    while p.keys[i]:
        i = (i + 1) & mask
    p.keys[i] = key
    p.ids[i] = cid
    p.used += 1


cdef inline void py_free(PyProc* p) noexcept nogil:
    free(p.keys); free(p.ids); free(p)


# Set by the recorder's own signal handler; read by the loop after waitpid returns EINTR.
cdef volatile int g_sig = 0
cdef volatile int g_sig_code = 0
cdef volatile int g_sig_pid = 0
cdef volatile int g_alarm = 0


cdef void on_signal(int sig, siginfo_t* info, void* ctx) noexcept nogil:
    global g_sig, g_sig_code, g_sig_pid, g_alarm
    if sig == SIGALRM:
        g_alarm = 1
        return
    g_sig = sig
    g_sig_code = info.si_code if info != NULL else 0
    g_sig_pid = info.si_pid if info != NULL else 0


cdef int fail(const char* what, int err) except -1 nogil:
    """The one place a failed libc or ptrace call becomes a Python exception."""
    with gil:
        raise OSError(err, f"{what.decode()}: {strerror(err).decode()}")


cdef int buf_reserve(Buf* b, size_t extra) except -1 nogil:
    cdef size_t want = b.n + extra
    cdef size_t cap
    cdef char* p
    if want <= b.cap:
        return 0
    cap = b.cap * 2 if b.cap else 256
    while cap < want:
        cap *= 2
    p = <char*>realloc(b.p, cap)
    if p == NULL:
        fail(b"realloc", ENOMEM)
    b.p = p
    b.cap = cap
    return 0


cdef int buf_put(Buf* b, const void* src, size_t n) except -1 nogil:
    buf_reserve(b, n)
    memcpy(b.p + b.n, src, n)
    b.n += n
    return 0


cdef inline int64_t now_ns() noexcept nogil:
    cdef timespec t
    clock_gettime(CLOCK_MONOTONIC, &t)
    return <int64_t>t.tv_sec * 1000000000 + t.tv_nsec


cdef ssize_t peek(pid_t tid, uint64_t addr, void* dst, size_t n) noexcept nogil:
    """Copy n bytes of the tracee's memory; returns the count copied (short at an unmapped page)."""
    cdef iovec local, remote
    if addr == 0 or n == 0:
        return 0 if n == 0 and addr != 0 else -1
    local.iov_base = dst
    local.iov_len = n
    remote.iov_base = <void*>addr
    remote.iov_len = n
    return process_vm_readv(tid, &local, 1, &remote, 1, 0)


cdef ssize_t peek_into(pid_t tid, uint64_t addr, size_t n, Buf* b) except -2 nogil:
    """Append up to n bytes at addr to b; -1 when nothing could be read."""
    cdef ssize_t got
    buf_reserve(b, n)
    got = peek(tid, addr, b.p + b.n, n)
    if got > 0:
        b.n += got
    return got


cdef ssize_t peek_exact(pid_t tid, uint64_t addr, size_t n, Buf* b) except -2 nogil:
    """Append exactly n bytes at addr to b, or nothing and -1 (strace's umoven: a short read is
    a failed read, never shown in part)."""
    cdef ssize_t got
    buf_reserve(b, n)
    got = peek(tid, addr, b.p + b.n, n)
    if got != <ssize_t>n:
        return -1
    b.n += n
    return got


cdef ssize_t peek_str(pid_t tid, uint64_t addr, size_t maxlen, Buf* b) except -2 nogil:
    """Append a NUL-terminated string (without its NUL); reads page by page so that a string
    ending just before an unmapped page is still read."""
    cdef size_t total = 0
    cdef size_t chunk
    cdef ssize_t got
    cdef char* start
    cdef void* nul
    if addr == 0:
        return -1
    while total < maxlen:
        chunk = 4096 - ((addr + total) & 4095)
        if chunk > maxlen - total:
            chunk = maxlen - total
        buf_reserve(b, chunk)
        start = b.p + b.n
        got = peek(tid, addr + total, start, chunk)
        if got <= 0:
            return <ssize_t>total if total else -1
        nul = memchr(start, 0, got)
        if nul != NULL:
            b.n += <size_t>(<char*>nul - start)
            return <ssize_t>(total + <size_t>(<char*>nul - start))
        b.n += got
        total += got
        if <size_t>got < chunk:
            break
    return <ssize_t>total


cdef enum:
    FD_LIMIT = 1 << 24   # descriptors above this are never tracked (the kernel's nr_open is 2^20)


cdef FdSet* fdset_new() except NULL nogil:
    cdef FdSet* f = <FdSet*>calloc(1, sizeof(FdSet))
    if f == NULL:
        fail(b"calloc", ENOMEM)
    f.refs = 1
    return f


cdef FdSet* fdset_copy(FdSet* src) except NULL nogil:
    cdef FdSet* f = fdset_new()
    if src.cap:
        f.fl = <uint8_t*>malloc(src.cap)
        if f.fl == NULL:
            fail(b"malloc", ENOMEM)
        memcpy(f.fl, src.fl, src.cap)
        f.cap = src.cap
    return f


cdef void fdset_release(FdSet* f) noexcept nogil:
    if f == NULL:
        return
    f.refs -= 1
    if f.refs <= 0:
        free(f.fl)
        free(f)


cdef inline uint8_t fdset_get(FdSet* f, uint64_t fd) noexcept nogil:
    return f.fl[fd] if fd < f.cap else 0


cdef int fdset_put(FdSet* f, uint64_t fd, uint8_t v) except -1 nogil:
    cdef size_t cap
    cdef uint8_t* p
    if fd >= FD_LIMIT:
        return 0
    if fd >= f.cap:
        if v == 0:
            return 0
        cap = f.cap * 2 if f.cap else 64
        while cap <= fd:
            cap *= 2
        p = <uint8_t*>realloc(f.fl, cap)
        if p == NULL:
            fail(b"realloc", ENOMEM)
        memset(p + f.cap, 0, cap - f.cap)
        f.fl = p
        f.cap = cap
    f.fl[fd] = v
    return 0


cdef void fdset_exec(FdSet* f) noexcept nogil:
    """After an exec: close-on-exec sockets are gone."""
    cdef size_t i
    if f == NULL:
        return
    for i in range(f.cap):
        if f.fl[i] & SOCK_CLOEXEC_FD:
            f.fl[i] = 0


cdef class Recorder:
    """One recording: tracees, per-thread state, the C batch and the flush to a sink."""

    cdef uint8_t traced[NR_MAX]
    # Calls recorded only when their first argument is a socket descriptor seen made (a hidden
    # close beside a network subset): the rest resume at their seccomp stop with no exit stop.
    cdef uint8_t sock_only[NR_MAX]
    cdef int track_socks
    cdef CapOp ops[NR_MAX][MAX_OPS]
    cdef int trace_all
    cdef int seccomp_mode
    cdef int attach_mode
    cdef int live
    cdef size_t strsize
    cdef int64_t t0
    cdef int64_t last_flush
    cdef int64_t flush_interval
    # Set by the sink while it still has a batch to handle: timed live flushes then wait, so
    # batches grow to what the sink keeps up with (lines within milliseconds when it is idle,
    # in bulk under load) and the loop never takes the GIL just to find the sink busy.
    cdef public int sink_busy
    cdef public int64_t spin_ns  # poll_stop's window
    # Prompt live lines (text output): each line within a few ms of its call, whatever the load.
    # The loop hands a batch over once its first row is PROMPT_GAP_NS old, and when the renderer
    # has not finished the previous one it waits for it without resuming the tracees (strace
    # prints synchronously: same bound, paid the same way). live_sent counts the batches handed
    # over; the sink sets live_done to the count rendered.
    cdef public int prompt
    cdef public int64_t live_done
    cdef int64_t live_sent
    cdef int64_t batch_t0        # when the batch's first row was added (now_ns)
    cdef int64_t last_sent       # when rows were last handed to the sink (now_ns)
    # Follow the tracee's CPU: while one thread is traced, the loop's thread runs on the CPU that
    # thread last ran on, so that a stop is a switch on one CPU rather than a wake-up across two.
    # Only the loop's own affinity changes, never the tracee's.
    cdef public int follow_cpu
    cdef int pinned_cpu          # -1: not pinned (the saved mask applies)
    cdef int64_t next_follow
    cdef cpu_set_t saved_mask
    cdef int saved_ok
    cdef uint64_t counter
    cdef Slot** table
    cdef size_t table_cap
    cdef size_t table_used       # live + tombstones
    cdef size_t ntracees
    cdef Batch batch
    cdef Batch snap
    cdef pid_t main_pid
    cdef int main_status
    cdef int main_done
    cdef int detaching
    cdef uint64_t events_seen
    cdef uint64_t rows_written
    cdef uint64_t exits_without_entry
    cdef uint64_t stops
    cdef uint64_t compat_calls
    cdef int forward_sig            # a signal to pass on to the command at forward_deadline
    cdef int32_t forward_pid
    cdef int64_t forward_deadline
    cdef int last_sig               # the command's last signal-delivery: signal, sender, time
    cdef int32_t last_sig_pid
    cdef int64_t last_sig_ts
    cdef object sink
    cdef public object processes
    # --source: a stack window per recorded call (an extra arena, see capture_stack)
    cdef size_t stack_window
    cdef Buf stk_arena
    cdef Buf snap_stk
    cdef object on_image
    # --source on Python programs: per process the interpreter's offsets and known code objects
    cdef PyProc** pyprocs
    cdef size_t npyprocs
    cdef size_t cap_pyprocs
    cdef uint32_t py_codes
    cdef object on_pyproc    # pid -> (gen, runtime address, *offsets) or None, once per process image
    cdef uint8_t* py_buf     # the replayed reads (py_replay), then served by py_peek
    cdef PyRegion py_have[PY_REGIONS]
    cdef int py_nhave
    cdef PyRegion py_now[PY_REGIONS]
    cdef int py_nnow
    cdef size_t py_now_bytes
    cdef object on_pycode    # (pid, gen, code id, code address, first line) -> bool, once per code
    cdef public object start_wall_ns
    cdef public object start_mono_ns

    def __cinit__(self):
        self.table_cap = 256
        self.table = <Slot**>calloc(self.table_cap, sizeof(Slot*))
        self.batch.cap = 16384
        self.batch.recs = <Rec*>malloc(self.batch.cap * sizeof(Rec))
        self.snap.cap = 64
        self.snap.recs = <Rec*>malloc(self.snap.cap * sizeof(Rec))
        if self.table == NULL or self.batch.recs == NULL or self.snap.recs == NULL:
            raise MemoryError()

    def __dealloc__(self):
        cdef size_t i
        if self.table != NULL:
            for i in range(self.table_cap):
                if self.table[i] != NULL and <size_t>self.table[i] != 1:
                    self.free_slot(self.table[i])
            free(self.table)
        free(self.batch.recs); free(self.batch.data.p); free(self.batch.sa.p)
        free(self.batch.path.p); free(self.batch.mem.p)
        free(self.snap.recs); free(self.snap.data.p); free(self.snap.sa.p)
        free(self.snap.path.p); free(self.snap.mem.p)
        free(self.stk_arena.p); free(self.snap_stk.p)
        free(self.py_buf)
        if self.pyprocs != NULL:
            for i in range(self.npyprocs):
                py_free(self.pyprocs[i])
            free(self.pyprocs)

    def __init__(self, traced_numbers, bint trace_all, captures, int strsize, sink,
                 bint live=False, double flush_seconds=1.0):
        """traced_numbers: syscall numbers to record; captures: {nr: [(op, arg, n, unit), …]}."""
        cdef int nr, i
        memset(self.traced, 0, sizeof(self.traced))
        memset(self.sock_only, 0, sizeof(self.sock_only))
        memset(self.ops, 0, sizeof(self.ops))
        self.trace_all = trace_all
        for nr in traced_numbers:
            if 0 <= nr < NR_MAX:
                self.traced[nr] = 1
        for nr, oplist in captures.items():
            if not 0 <= nr < NR_MAX:
                continue
            for i, (op, arg, n, unit) in enumerate(oplist[:MAX_OPS]):
                self.ops[nr][i].op = op
                self.ops[nr][i].arg = arg
                self.ops[nr][i].n = n
                self.ops[nr][i].unit = unit
        self.strsize = strsize
        self.sink = sink
        self.live = live
        # Live output also flushes on a timer while the tracee runs without pause.
        self.flush_interval = min(<int64_t>(flush_seconds * 1e9), LIVE_INTERVAL_NS) if live else <int64_t>(flush_seconds * 1e9)
        self.processes = {}
        self.spin_ns = SPIN_NS
        self.stack_window = 0
        self.on_image = None
        self.on_pyproc = None
        self.on_pycode = None
        self.main_pid = 0
        self.main_status = 0
        self.main_done = 0

    # --- per-thread slots: open addressing on tid; 1 marks a tombstone ---------------------------

    cdef Slot* find(self, int32_t tid) noexcept nogil:
        cdef size_t mask = self.table_cap - 1
        cdef size_t i = (<uint32_t>tid * 2654435761u) & mask
        cdef Slot* s
        while True:
            s = self.table[i]
            if s == NULL:
                return NULL
            if <size_t>s != 1 and s.tid == tid:
                return s
            i = (i + 1) & mask

    cdef int insert(self, Slot* slot) except -1 nogil:
        cdef size_t mask, i, j, old_cap
        cdef Slot** old
        cdef Slot* s
        if (self.table_used + 1) * 2 > self.table_cap:
            old = self.table
            old_cap = self.table_cap
            self.table_cap = old_cap * 2 if self.ntracees * 4 > old_cap else old_cap
            self.table = <Slot**>calloc(self.table_cap, sizeof(Slot*))
            if self.table == NULL:
                fail(b"calloc", ENOMEM)
            self.table_used = 0
            mask = self.table_cap - 1
            for j in range(old_cap):
                s = old[j]
                if s != NULL and <size_t>s != 1:
                    i = (<uint32_t>s.tid * 2654435761u) & mask
                    while self.table[i] != NULL:
                        i = (i + 1) & mask
                    self.table[i] = s
                    self.table_used += 1
            free(old)
        mask = self.table_cap - 1
        i = (<uint32_t>slot.tid * 2654435761u) & mask
        while self.table[i] != NULL and <size_t>self.table[i] != 1:
            i = (i + 1) & mask
        if self.table[i] == NULL:
            self.table_used += 1
        self.table[i] = slot
        self.ntracees += 1
        return 0

    cdef void remove(self, Slot* slot) noexcept nogil:
        cdef size_t mask = self.table_cap - 1
        cdef size_t i = (<uint32_t>slot.tid * 2654435761u) & mask
        while self.table[i] != NULL:
            if self.table[i] == slot:
                self.table[i] = <Slot*>1
                self.ntracees -= 1
                self.free_slot(slot)
                return
            i = (i + 1) & mask

    cdef void free_slot(self, Slot* s) noexcept nogil:
        fdset_release(s.fds)
        free(s.data.p); free(s.sa.p); free(s.path.p); free(s.mem.p); free(s.xmem.p); free(s.stk.p)
        free(s.py.p)
        free(s)

    cdef Slot* add_tracee(self, int32_t tid, int must_exist=0) except? NULL nogil:
        """A slot for a new tracee. With must_exist (a tid learnt from a clone/fork event), a
        thread whose /proc entry is gone has already exited and been reaped: no slot (NULL)."""
        cdef Slot* s
        cdef int32_t tgid = 0, ppid = 0
        if read_status_ids(tid, &tgid, &ppid) < 0 and must_exist:
            return NULL
        s = <Slot*>calloc(1, sizeof(Slot))
        if s == NULL:
            fail(b"calloc", ENOMEM)
        s.tid = tid
        s.tgid = tgid if tgid > 0 else tid
        self.insert(s)
        if s.tgid == tid:
            with gil:
                self.note_process(tid, ppid)
        return s

    # --- process table (rare events: new process, exec) ---------------------------------------

    def note_process(self, int pid, int ppid):
        entry = self.processes.setdefault(pid, {"pid": pid, "ppid": ppid, "exe": None, "argv": None})
        if entry["ppid"] in (None, 0):
            entry["ppid"] = ppid
        self.read_exe(pid)

    def read_exe(self, int pid):
        import os
        entry = self.processes.setdefault(pid, {"pid": pid, "ppid": None, "exe": None, "argv": None})
        try:
            entry["exe"] = os.readlink(f"/proc/{pid}/exe")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                raw = f.read()
            entry["argv"] = [a.decode(errors="backslashreplace") for a in raw.split(b"\0")[:-1]]
        except OSError:
            pass

    # --- launching and attaching ----------------------------------------------------------------

    def launch(self, bytes path, list argv, list env, bint use_seccomp):
        """Fork, let the child stop itself, seize it, then let it install the seccomp filter and
        exec. Returns the child's pid."""
        cdef int i, n = len(argv), m = len(env)
        cdef char** c_argv = <char**>calloc(n + 1, sizeof(char*))
        cdef char** c_env = <char**>calloc(m + 1, sizeof(char*))
        cdef sock_filter* prog = NULL
        cdef sock_fprog fprog
        cdef int nprog = 0
        cdef pid_t pid
        cdef int status, err
        cdef const char* c_path = path
        keep = [bytes(a) for a in argv] + [bytes(e) for e in env]
        for i in range(n):
            c_argv[i] = keep[i]
        for i in range(m):
            c_env[i] = keep[n + i]
        self.seccomp_mode = 1 if (use_seccomp and not self.trace_all) else 0
        if self.seccomp_mode:
            prog = self.build_filter(&nprog)
            fprog.len = nprog
            fprog.filter = prog
        if self.t0 == 0:
            self.start_clock()
        with nogil:
            pid = fork()
            if pid == 0:
                child_exec(c_path, c_argv, c_env, &fprog if prog != NULL else NULL)
        free(c_argv)
        free(c_env)
        free(prog)
        if pid < 0:
            fail(b"fork", errno)
        with nogil:
            while waitpid(pid, &status, WSTOPPED) < 0:
                if errno != EINTR:
                    fail(b"waitpid", errno)
            if ptrace(PTRACE_SEIZE, pid, NULL, <void*><long>(self.options() | PTRACE_O_EXITKILL)) < 0:
                err = errno
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                fail(b"ptrace(PTRACE_SEIZE)", err)
        self.main_pid = pid
        cdef Slot* s = self.add_tracee(pid)
        s.hide = 1
        kill(pid, SIGCONT)
        return pid

    def attach(self, int pid):
        """Seize every thread of a running process and interrupt it so that the loop resumes it
        with syscall stops. Raises OSError (ESRCH, EPERM) with the kernel's reason."""
        import os
        self.attach_mode = 1
        self.seccomp_mode = 0
        if self.t0 == 0:
            self.start_clock()
        seen = set()
        while True:
            try:
                tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
            except FileNotFoundError:
                raise ProcessLookupError(3, f"no process with pid {pid}") from None
            new = [t for t in tids if t not in seen]
            if not new:
                break
            for tid in new:
                seen.add(tid)
                if _proc_state(tid) == "Z":
                    continue  # e.g. a leader that called pthread_exit: it cannot stop for us
                if ptrace(PTRACE_SEIZE, tid, NULL, <void*><long>self.options()) < 0:
                    err = errno
                    if err == ESRCH and tid != pid:
                        continue  # a thread that ended while we listed them
                    if err == EPERM and _tracer_of(tid) == os.getpid():
                        continue  # cloned by a thread seized a moment ago: already ours
                    fail(b"ptrace(PTRACE_SEIZE)", err)
                if ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0 and errno != ESRCH:
                    fail(b"ptrace(PTRACE_INTERRUPT)", errno)
                if self.find(tid) == NULL:
                    self.add_tracee(tid)
        if self.main_pid == 0:
            self.main_pid = pid

    cdef long options(self) noexcept nogil:
        cdef long o = (PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                       PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC)
        if self.seccomp_mode:
            o |= PTRACE_O_TRACESECCOMP
        return o

    cdef sock_filter* build_filter(self, int* count) except NULL:
        """BPF: non-x86_64 calls and the untraced numbers run freely; traced ones stop us."""
        cdef int nr, k = 0, ntraced = 0
        for nr in range(NR_MAX):
            ntraced += self.traced[nr]
        cdef int total = 4 + 2 * ntraced + 1 + 6
        cdef sock_filter* f = <sock_filter*>calloc(total, sizeof(sock_filter))
        if f == NULL:
            raise MemoryError()
        f[k] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS, 4); k += 1           # seccomp_data.arch
        f[k] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0); k += 1
        f[k] = bpf_stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW); k += 1
        f[k] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS, 0); k += 1           # seccomp_data.nr
        if self.stack_window:
            # --source: mmap/mprotect of code stop us too (watch_maps), whatever the filter
            f[k] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K, NR_MMAP, 1, 0); k += 1
            f[k] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K, NR_MPROTECT, 0, 3); k += 1
            f[k] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS, 32); k += 1      # args[2], low half
            f[k] = bpf_jump(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1); k += 1
            f[k] = bpf_stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE); k += 1
            f[k] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS, 0); k += 1       # nr again
        # One short jump per traced number keeps every offset at 0 or 1 however many there are.
        for nr in range(NR_MAX):
            if self.traced[nr]:
                f[k] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1); k += 1
                f[k] = bpf_stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE); k += 1
        f[k] = bpf_stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW); k += 1
        count[0] = k
        return f

    def start_clock(self):
        cdef timespec w
        clock_gettime(CLOCK_REALTIME, &w)
        self.t0 = now_ns()
        self.last_flush = self.t0
        self.start_wall_ns = <int64_t>w.tv_sec * 1000000000 + w.tv_nsec
        self.start_mono_ns = self.t0

    # --- the loop -----------------------------------------------------------------------------

    def run(self):
        """Trace until no tracee is left. Returns the main process's raw wait status."""
        cdef sigaction_t act, old_int, old_term, old_hup, old_quit, old_alrm
        cdef itimerval tv, old_tv
        memset(&act, 0, sizeof(act))
        act.sa_sigaction = on_signal
        act.sa_flags = SA_SIGINFO  # no SA_RESTART: a signal must interrupt waitpid
        sigemptyset(&act.sa_mask)
        sigaction(SIGINT, &act, &old_int)
        sigaction(SIGTERM, &act, &old_term)
        sigaction(SIGHUP, &act, &old_hup)
        sigaction(SIGQUIT, &act, &old_quit)
        sigaction(SIGALRM, &act, &old_alrm)
        # A periodic alarm bounds how stale unflushed rows can get while waitpid blocks.
        memset(&tv, 0, sizeof(tv))
        tv.it_interval.tv_usec = <long>(min(self.flush_interval, 500000000) // 1000)
        tv.it_value.tv_usec = tv.it_interval.tv_usec
        setitimer(ITIMER_REAL, &tv, &old_tv)
        self.pinned_cpu = -1
        self.saved_ok = 1 if (self.follow_cpu and sched_getaffinity(0, sizeof(cpu_set_t), &self.saved_mask) == 0) else 0
        try:
            try:
                with nogil:
                    self.loop()
            finally:
                # even when the loop failed, keep what was recorded
                self.flush_unfinished()
                self.flush()
        finally:
            memset(&tv, 0, sizeof(tv))
            setitimer(ITIMER_REAL, &tv, NULL)
            if self.pinned_cpu >= 0:
                sched_setaffinity(0, sizeof(cpu_set_t), &self.saved_mask)
                self.pinned_cpu = -1
            sigaction(SIGINT, &old_int, NULL)
            sigaction(SIGTERM, &old_term, NULL)
            sigaction(SIGHUP, &old_hup, NULL)
            sigaction(SIGQUIT, &old_quit, NULL)
            sigaction(SIGALRM, &old_alrm, NULL)
        return self.main_status

    cdef int loop(self) except -1 nogil:
        global g_sig, g_alarm
        cdef int status, sig, event, err
        cdef pid_t tid
        cdef int64_t ts
        cdef Slot* s
        cdef Slot* child
        cdef rn_syscall_info info
        cdef unsigned long msg
        cdef uint8_t siginfo[128]
        while self.ntracees > 0:
            if g_sig:
                self.on_own_signal(g_sig)
                g_sig = 0
            if self.forward_sig and now_ns() >= self.forward_deadline:
                if not self.main_done:
                    kill(self.main_pid, self.forward_sig)
                self.forward_sig = 0
            # Timed flushes happen here, between resuming a tracee and waiting for the next stop,
            # never while a tracee waits at a stop: taking the GIL can take milliseconds (another
            # thread importing pyarrow), and that must show neither in the command's run time
            # nor in the durations recorded. An alarm interrupts waitpid to come back here. An
            # alarm with no new rows flushes only the calls in progress, and rarely: the
            # renderer needs them only beside rows.
            ts = now_ns()
            if self.saved_ok and ts >= self.next_follow:
                self.next_follow = ts + FOLLOW_EVERY_NS
                self.follow()
            if self.prompt and self.batch.n > 0 and ts - self.batch_t0 >= PROMPT_GAP_NS:
                self.prompt_flush()
            elif ts - self.last_flush >= self.flush_interval and (
                    self.batch.n > 0 or (g_alarm and ts - self.last_flush >= IDLE_FLUSH_NS)) and (
                    not self.live or not self.sink_busy or self.batch.n >= self.batch.cap // 2):
                g_alarm = 0
                self.flush_gil()
            tid = self.poll_stop(&status)
            if tid == 0:
                if g_sig:
                    continue
                if self.prompt and self.batch.n > 0:
                    # The tracees pause: show what they did, at most every PROMPT_IDLE_NS; or
                    # wake up when the batch is due (an alarm interrupts waitpid).
                    ts = now_ns()
                    if ts - self.last_sent >= PROMPT_IDLE_NS:
                        self.prompt_flush()
                    else:
                        arm_alarm(self.batch_t0 + PROMPT_GAP_NS - ts, self.flush_interval)
                elif self.live and self.batch.n > 0 and now_ns() - self.last_flush >= LIVE_GAP_NS \
                        and not self.sink_busy:
                    # Show what happened before sleeping, but batch bursts: a busy tracee
                    # would otherwise cost a flush per syscall.
                    self.flush_gil()
                tid = waitpid(-1, &status, __WALL)
            err = errno   # before anything else can overwrite it
            ts = now_ns()
            if tid < 0:
                if err == EINTR:
                    continue
                if err == ECHILD:
                    break
                fail(b"waitpid", err)
            ts -= self.t0
            self.stops += 1
            s = self.find(tid)
            if s == NULL:
                s = self.add_tracee(tid)   # a new child whose stop beat its parent's event
            if WIFEXITED(status) or WIFSIGNALED(status):
                self.on_gone(s, status, ts)
                continue
            if not WIFSTOPPED(status):
                continue
            sig = WSTOPSIG(status)
            event = rn_event(status)
            if self.detaching:
                self.detach_one(s, sig, event)
                continue
            if sig == (SIGTRAP | 0x80):
                if ptrace(PTRACE_GET_SYSCALL_INFO, tid, <void*>sizeof(info), &info) < 0:
                    if errno == ESRCH:
                        continue
                    fail(b"ptrace(PTRACE_GET_SYSCALL_INFO)", errno)
                if info.op == RN_SYSCALL_INFO_ENTRY and info.arch != AUDIT_ARCH_X86_64:
                    # an int 0x80 call: its numbers are i386's, not in our tables
                    self.compat_calls += 1
                    s.in_syscall = 1
                    s.recorded = 0
                elif info.op == RN_SYSCALL_INFO_ENTRY:
                    self.on_entry(s, info.u.entry.nr, info.u.entry.args, ts)
                elif info.op == RN_SYSCALL_INFO_EXIT:
                    self.on_exit(s, info.u.exit.rval, ts)
                self.resume(s, PTRACE_SYSCALL if s.in_syscall or not self.seccomp_mode else PTRACE_CONT, 0)
            elif event == PTRACE_EVENT_SECCOMP:
                if ptrace(PTRACE_GET_SYSCALL_INFO, tid, <void*>sizeof(info), &info) < 0:
                    if errno == ESRCH:
                        continue
                    fail(b"ptrace(PTRACE_GET_SYSCALL_INFO)", errno)
                self.on_entry(s, info.u.seccomp.nr, info.u.seccomp.args, ts)
                # A call on_entry passed over (a close of no socket) needs no exit stop.
                self.resume(s, PTRACE_SYSCALL if s.in_syscall else PTRACE_CONT, 0)
            elif event == PTRACE_EVENT_STOP:
                if sig == SIGSTOP or sig == SIGTSTP or sig == SIGTTIN or sig == SIGTTOU:
                    # group-stop: stay stopped like an untraced process, but keep hearing of SIGCONT
                    if not s.hide:
                        self.point_row(s, K_STOPPED, sig, 0, ts, NULL, 0)
                    s.listening = 1
                    if ptrace(PTRACE_LISTEN, tid, NULL, NULL) < 0 and errno != ESRCH:
                        fail(b"ptrace(PTRACE_LISTEN)", errno)
                else:
                    s.listening = 0
                    self.resume(s, self.restart_op(s), 0)
            elif event == PTRACE_EVENT_FORK or event == PTRACE_EVENT_VFORK or event == PTRACE_EVENT_CLONE:
                if ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0:
                    child = self.find(<int32_t>msg)
                    if child == NULL:
                        child = self.add_tracee(<int32_t>msg, 1)
                    if child != NULL and self.track_socks:
                        self.inherit_fds(s, child)
                    if child != NULL and not s.hide:
                        # Recorded whatever -e shows: the renderer's [pid N] rule follows the
                        # threads that exist, not the calls that were traced.
                        self.spawn_row(s, event, child, ts)
                self.resume(s, self.restart_op(s), 0)
            elif event == PTRACE_EVENT_EXEC:
                self.on_exec(s, tid)
            elif event != 0:
                self.resume(s, self.restart_op(s), 0)
            else:
                # signal-delivery-stop: record it and deliver it unchanged
                if ptrace(PTRACE_GETSIGINFO, tid, NULL, siginfo) == 0:
                    if not s.hide:
                        self.point_row(s, K_SIGNAL, sig, 0, ts, siginfo, 128)
                    if tid == self.main_pid:
                        self.note_command_signal(sig, (<int32_t*>siginfo)[4])
                self.resume(s, self.restart_op(s), sig)
        return 0

    cdef void follow(self) noexcept nogil:
        """Pin the loop to the one tracee's last CPU; with more than one, unpin."""
        cdef size_t i
        cdef Slot* s = NULL
        cdef int cpu
        cdef cpu_set_t one
        if self.ntracees == 1:
            for i in range(self.table_cap):
                if self.table[i] != NULL and <size_t>self.table[i] != 1:
                    s = self.table[i]
                    break
        if s == NULL or s.listening:
            if self.pinned_cpu >= 0:
                sched_setaffinity(0, sizeof(cpu_set_t), &self.saved_mask)
                self.pinned_cpu = -1
            return
        cpu = last_cpu(s.tid)
        if cpu < 0 or cpu == self.pinned_cpu:
            return
        CPU_ZERO(&one)
        CPU_SET(cpu, &one)
        if sched_setaffinity(0, sizeof(cpu_set_t), &one) == 0:
            self.pinned_cpu = cpu

    cdef int prompt_flush(self) except -1 nogil:
        """Hand the batch to the renderer once it has rendered the previous one. Meanwhile no
        stop is taken, so the tracees wait at their next traced call: the lag stays one batch."""
        cdef int64_t give_up = 0
        cdef timespec pause
        pause.tv_sec = 0
        pause.tv_nsec = 50000
        while self.live_done < self.live_sent and not g_sig:
            if give_up == 0:
                give_up = now_ns() + PROMPT_WAIT_MAX_NS
            elif now_ns() >= give_up:
                break
            nanosleep(&pause, NULL)
        self.flush_gil()
        return 0

    cdef pid_t poll_stop(self, int* status) noexcept nogil:
        """The next stop if one comes within SPIN_NS, else 0 (then the loop sleeps in waitpid).

        A tracee resumed a moment ago stops again within microseconds when it is making
        syscalls back to back. A tracer asleep in waitpid needs a wake-up to see that stop: an
        inter-processor interrupt, the CPU's way out of an idle state, a scheduling decision —
        more than the stop itself costs, and paid twice per syscall. Polling for a moment finds
        the stop without any of that, and costs nothing while a tracee waits: it blocks in its
        syscall and stops no more, so the loop polls once, for 30 µs, and sleeps. sched_yield
        lets a tracee that shares this CPU run meanwhile."""
        cdef pid_t tid
        cdef int64_t until = 0
        while True:
            tid = waitpid(-1, status, __WALL | WNOHANG)
            if tid != 0 or g_sig or self.spin_ns == 0:
                return tid
            if until == 0:
                until = now_ns() + self.spin_ns
            elif now_ns() >= until:
                return 0
            sched_yield()

    cdef void note_command_signal(self, int sig, int32_t sender) noexcept nogil:
        """The command got sig from sender: a pending forward of the same signal is redundant."""
        self.last_sig = sig
        self.last_sig_pid = sender
        self.last_sig_ts = now_ns()
        if self.forward_sig == sig and self.forward_pid == sender:
            self.forward_sig = 0

    cdef inline int restart_op(self, Slot* s) noexcept nogil:
        return PTRACE_SYSCALL if (s.in_syscall or not self.seccomp_mode) else PTRACE_CONT

    cdef int resume(self, Slot* s, int op, int sig) except -1 nogil:
        if ptrace(op, s.tid, NULL, <void*><long>sig) < 0 and errno != ESRCH:
            fail(b"ptrace(resume)", errno)
        return 0

    cdef int on_exec(self, Slot* s, pid_t tid) except -1 nogil:
        """After exec the thread that called execve carries the group leader's tid; move its
        state there. The old leader's slot (if another thread exec'd) is dropped."""
        cdef unsigned long former = 0
        cdef Slot* old
        if ptrace(PTRACE_GETEVENTMSG, tid, NULL, &former) == 0 and <pid_t>former != tid:
            old = self.find(<int32_t>former)
            if old != NULL:
                if s.in_syscall and s.recorded:
                    self.emit(s, 0)     # the leader's call in flight never returns
                self.remove(s)          # the vanished leader's state
                old.tid = tid
                # rehash under the new tid
                self.detach_slot_entry(old)
                self.insert(old)
                s = old
        s.hide = 0
        s.maps_ok = 0   # a new image: --source reads its mappings again
        if self.on_pycode is not None:
            self.py_image_gone(s.tgid, 0)
        fdset_exec(s.fds)
        with gil:
            self.read_exe(s.tgid)
        self.resume(s, self.restart_op(s), 0)
        return 0

    cdef void detach_slot_entry(self, Slot* slot) noexcept nogil:
        """Remove slot from the table without freeing it (its key is about to change)."""
        cdef size_t i
        for i in range(self.table_cap):
            if self.table[i] == slot:
                self.table[i] = <Slot*>1
                self.ntracees -= 1
                return

    cdef int on_own_signal(self, int sig) except -1 nogil:
        """SIGINT/SIGTERM/SIGHUP/SIGQUIT to the recorder. Attached: detach and leave the
        processes running. Launched: a terminal's signal reached the command too, so nothing to
        do; a signal sent to renacer alone is passed on to the command."""
        if self.attach_mode or self.main_done:
            # Attached, or the command is gone and only its leftovers run: write the trace and
            # leave them running.
            self.start_detach()
        elif g_sig_code != SI_KERNEL and self.main_pid > 0:
            # Sent to renacer, not typed at the terminal. If it went to the whole process group
            # the command gets it too: forward only if the command has not shown it by the
            # deadline (checked in the loop).
            if not (self.last_sig == sig and self.last_sig_pid == g_sig_pid
                    and now_ns() - self.last_sig_ts < FORWARD_WAIT_NS):
                self.forward_sig = sig
                self.forward_pid = g_sig_pid
                self.forward_deadline = now_ns() + FORWARD_WAIT_NS
        return 0

    cdef int start_detach(self) except -1 nogil:
        cdef size_t i
        cdef Slot* s
        if self.detaching:
            return 0
        self.detaching = 1
        for i in range(self.table_cap):
            s = self.table[i]
            if s == NULL or <size_t>s == 1:
                continue
            if ptrace(PTRACE_INTERRUPT, s.tid, NULL, NULL) < 0 or is_zombie(s.tid):
                # gone, or a zombie that will never stop for us: nothing to detach
                if s.in_syscall and s.recorded:
                    self.emit(s, 0)
                self.remove(s)
        return 0

    cdef int detach_one(self, Slot* s, int sig, int event) except -1 nogil:
        cdef int deliver = 0
        if event == 0 and sig != (SIGTRAP | 0x80):
            deliver = sig   # a signal-delivery-stop: the signal still belongs to the process
        if s.in_syscall and s.recorded:
            self.emit(s, 0)
        ptrace(PTRACE_DETACH, s.tid, NULL, <void*><long>deliver)
        self.remove(s)
        return 0

    cdef int on_gone(self, Slot* s, int status, int64_t ts) except -1 nogil:
        if s.in_syscall and s.recorded:
            self.emit(s, 0)    # e.g. exit_group: it never returns
        if WIFEXITED(status):
            self.point_row(s, K_EXIT, 0, WEXITSTATUS(status), ts, NULL, 0)
        else:
            self.point_row(s, K_KILLED, WTERMSIG(status), 1 if WCOREDUMP(status) else 0, ts, NULL, 0)
        if s.tid == self.main_pid:
            self.main_status = status
            self.main_done = 1
        if s.tid == s.tgid and self.on_pycode is not None:
            self.py_image_gone(s.tgid, 1)   # the leader is reaped last: the process is gone
        self.remove(s)
        return 0

    # --- syscalls -------------------------------------------------------------------------------

    cdef int on_entry(self, Slot* s, uint64_t nr, uint64_t* args, int64_t ts) except -1 nogil:
        cdef int i
        s.in_syscall = 1
        s.recorded = 0
        if nr >= NR_MAX or not (self.traced[nr] or self.trace_all):
            if self.stack_window:
                watch_maps(s, nr, args)
            return 0
        if s.hide and nr != NR_EXECVE and nr != NR_EXECVEAT:   # before the command's exec, only execve/execveat
            return 0
        if self.track_socks and nr == NR_CLOSE and not self.entry_closes_socket(s, args[0]):
            if self.seccomp_mode:
                s.in_syscall = 0   # resumed without an exit stop
            return 0
        # a hidden dup/dup2/dup3 (filter_expr.SOCKET_COPIES): recorded only when it copies a socket
        if self.track_socks and nr != NR_CLOSE and self.sock_only[nr] and not fdset_get(self.fds_of(s), args[0]):
            if self.seccomp_mode:
                s.in_syscall = 0
            return 0
        s.recorded = 1
        if self.stack_window and not s.maps_ok:
            self.note_image(s)
        self.events_seen += 1
        s.rec.seq = self.counter
        self.counter += 1
        s.rec.ts = ts
        s.rec.nr = <int16_t>nr
        s.rec.kind = K_SYSCALL
        s.rec.pid = s.tgid
        s.rec.tid = s.tid
        s.rec.a0 = args[0]; s.rec.a1 = args[1]; s.rec.a2 = args[2]
        s.rec.a3 = args[3]; s.rec.a4 = args[4]; s.rec.a5 = args[5]
        s.data.n = 0; s.sa.n = 0; s.path.n = 0; s.mem.n = 0; s.xmem.n = 0
        s.has_data = 0; s.has_sa = 0; s.has_path = 0; s.has_mem = 0
        s.nbase = 0
        s.len_in = -1
        s.len_ok = 0
        if self.stack_window:
            if self.on_pycode is not None:
                self.py_capture(s)
            self.capture_stack(s)
        for i in range(MAX_OPS):
            if self.ops[nr][i].op == 0:
                break
            if op_phase(self.ops[nr][i].op) & 1:
                self.capture(s, &self.ops[nr][i], 0, 0)
        if self.stack_window:
            watch_maps(s, nr, args)
        return 0

    cdef bint entry_closes_socket(self, Slot* s, uint64_t fd) except -1 nogil:
        """At close's entry: is fd a known socket (then forgotten: close releases the number
        whatever it returns)? Also true when close is recorded for every descriptor."""
        cdef FdSet* f = self.fds_of(s)
        cdef uint8_t was = fdset_get(f, fd)
        if was:
            fdset_put(f, fd, 0)
        return was != 0 or not self.sock_only[3]

    cdef int on_exit(self, Slot* s, int64_t rval, int64_t ts) except -1 nogil:
        cdef int i
        cdef uint64_t nr
        if not s.in_syscall:
            self.exits_without_entry += 1   # attached mid-call: its entry was never seen
            return 0
        s.in_syscall = 0
        if not s.recorded:
            return 0
        s.recorded = 0
        nr = <uint64_t>s.rec.nr
        s.rec.ret = rval
        s.rec.dur = ts - s.rec.ts
        # Exit ops run on failure too: base parts are written only on success (ret >= 0), but
        # extra parts keep their positions (an unreadable part stands for what a failed call
        # did not fill in).
        for i in range(MAX_OPS):
            if self.ops[nr][i].op == 0:
                break
            if op_phase(self.ops[nr][i].op) & 2:
                self.capture(s, &self.ops[nr][i], rval, 1)
        if self.track_socks and rval >= 0 and (nr == NR_SOCKET or nr == NR_ACCEPT or nr == NR_ACCEPT4 or nr == NR_SOCKETPAIR):
            self.note_socket_made(s, nr, rval)
        elif self.track_socks and rval >= 0 and nr != NR_CLOSE and self.sock_only[nr]:
            # the copy of a socket is a socket (its close is recorded too); dup3's O_CLOEXEC is
            # SOCK_CLOEXEC's bit
            fdset_put(self.fds_of(s), <uint64_t>rval,
                      SOCK_FD | (SOCK_CLOEXEC_FD if nr == NR_DUP3 and s.rec.a2 & SOCK_CLOEXEC else 0))
        s.rec.exit_seq = self.counter
        self.counter += 1
        self.emit(s, 1)
        return 0

    cdef int capture(self, Slot* s, CapOp* op, int64_t ret, int at_exit) except -1 nogil:
        """One capture op at entry (at_exit 0) or exit (1); see schema/captures.py for each op's
        parts. At exit ret < 0 means the call failed: no base part is written then."""
        cdef uint64_t* a = &s.rec.a0
        cdef uint64_t addr = a[op.arg]
        cdef uint64_t count = a[op.n]
        cdef size_t want
        cdef uint32_t len32 = 0
        cdef int code = op.op
        cdef int i
        if at_exit and ret < 0 and (code == OP_BUF_OUT or code == OP_MEM_OUT or code == OP_MEM_OUT_N
                                    or code == OP_MEM_OUT_RET or code == OP_MMSG_OUT):
            return 0
        if code == OP_PATH:
            s.has_path = 1 if addr != 0 and peek_str(s.tid, addr, MAX_PATH, &s.path) >= 0 else 0
        elif code == OP_STR:
            self.mem_part_str(s, addr, MAX_PATH)
        elif code == OP_BUF_IN or code == OP_BUF_OUT:
            want = <size_t>(count if code == OP_BUF_IN else <uint64_t>ret)
            if want > self.strsize:
                want = self.strsize
            # all or nothing, as strace reads it: an unreadable buffer stays NULL (its address)
            s.has_data = 1 if want == 0 or peek_exact(s.tid, addr, want, &s.data) >= 0 else 0
        elif code == OP_IOV_IN:
            s.has_data = 1
            self.capture_iov(s, addr, count, 0xFFFFFFFFFFFFFFFFULL, &s.data, 3)
        elif code == OP_IOV_OUT:
            if not at_exit:
                self.capture_iov(s, addr, count, 0, NULL, 1)      # the array, even if the call fails
            elif ret < 0:
                self.xpart_put(s, NULL, -1)
            else:
                s.has_data = 1
                self.capture_iov(s, addr, count, <uint64_t>ret, &s.data, 2)
        elif code == OP_SA_IN:
            want = <size_t>(count if count < MAX_SOCKADDR else MAX_SOCKADDR)
            if addr and want:
                s.has_sa = 1 if peek_exact(s.tid, addr, want, &s.sa) >= 0 else 0
        elif code == OP_LEN_IN:
            # the value-result length as the caller passed it (strace's ``[in => out]``); its
            # extras are written at exit (value_result_extras)
            if addr and peek(s.tid, addr, &len32, 4) == 4:
                s.len_in = <int32_t>len32
                s.len_ok = 1
        elif code == OP_SA_OUT:
            if ret >= 0 and addr and count and peek(s.tid, count, &len32, 4) == 4:
                # only what the kernel wrote: at most the caller's buffer
                want = len32
                if s.len_ok and s.len_in >= 0 and <uint64_t>s.len_in < want:
                    want = <size_t>s.len_in
                if want > MAX_SOCKADDR:
                    want = MAX_SOCKADDR
                s.has_sa = 1 if want == 0 or peek_exact(s.tid, addr, want, &s.sa) >= 0 else 0
                self.value_result_extras(s, &len32)
            else:
                self.value_result_extras(s, NULL)
        elif code == OP_MSG_IN:
            self.capture_msghdr(s, addr, 0xFFFFFFFFFFFFFFFFULL)
        elif code == OP_MSG_OUT:
            if not at_exit:
                # msg_namelen as the caller passed it
                if addr and peek(s.tid, addr + 8, &len32, 4) == 4:
                    self.xpart_put(s, &len32, 4)
                else:
                    self.xpart_put(s, NULL, -1)
            elif ret >= 0:
                self.capture_msghdr(s, addr, <uint64_t>ret)
        elif code == OP_MEM_IN or code == OP_MEM_OUT:
            self.mem_part_exact(s, addr, op.unit)
        elif code == OP_XMEM_IN or code == OP_XMEM_OUT:
            if at_exit and ret < 0:
                self.xpart_put(s, NULL, -1)
            else:
                self.xpart_exact(s, addr, op.unit)
        elif code == OP_MEM_IN_N or code == OP_MEM_OUT_N:
            self.mem_part(s, addr, <size_t>min(count * op.unit, <uint64_t>MAX_MEM_PART), op.unit)
        elif code == OP_MEM_OUT_RET:
            self.mem_part(s, addr, <size_t>min(<uint64_t>ret * op.unit, <uint64_t>MAX_MEM_PART), op.unit)
        elif code == OP_MEM_OUT_LENPTR:
            if ret >= 0 and count and peek(s.tid, count, &len32, 4) == 4:
                want = len32
                if s.len_ok and s.len_in >= 0 and <uint64_t>s.len_in < want:
                    want = <size_t>s.len_in
                self.mem_part_exact(s, addr, want if want < MAX_MEM_PART else MAX_MEM_PART)
                self.value_result_extras(s, &len32)
            else:
                self.value_result_extras(s, NULL)
        elif code == OP_ARGV:
            self.capture_argv(s, addr)
        elif code == OP_MMSG_IN:
            self.capture_mmsg(s, addr, count, 0)
        elif code == OP_MMSG_OUT:
            self.capture_mmsg(s, addr, <uint64_t>ret, 1)
        elif code == OP_FDSETS_IN or code == OP_FDSETS_OUT:
            # three fd_sets (read, write, except) at args arg..arg+2, sized by nfds at args[n]
            want = <size_t>(((count & 0xFFFFFFFFU) + 63) // 64 * 8)
            if <int32_t>(count & 0xFFFFFFFFU) < 0 or want > FDSET_MAX:
                want = FDSET_MAX
            for i in range(3):
                if at_exit and ret < 0:
                    self.xpart_put(s, NULL, -1)
                else:
                    self.xpart_exact(s, a[op.arg + i], want)
        elif code == OP_PSEL_MASK:
            self.capture_psel_mask(s, addr)
        elif code == OP_IOCTL_INT:
            # the int argument of the ioctls that pass one: read at entry (FIONBIO, FIOASYNC), or
            # written by the kernel (FIONREAD/SIOCINQ, TIOCOUTQ/SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK)
            if (not at_exit and is_ioctl_int_in(count)) or (at_exit and ret >= 0 and is_ioctl_int_out(count)):
                self.mem_part_exact(s, addr, 4)
        elif code == OP_FLOCK:
            # struct flock for the lock commands: at entry, and at exit of F_GETLK/F_OFD_GETLK
            if is_lock_cmd(count) and (not at_exit or (ret >= 0 and (count == CMD_F_GETLK or count == CMD_F_OFD_GETLK))):
                self.mem_part_exact(s, addr, FLOCK_SIZE)
        return 0

    cdef int value_result_extras(self, Slot* s, uint32_t* len_out) except -1 nogil:
        """The two extras of a value-result length (LEN_IN): as passed, and as returned
        (unreadable after a failed call). Left out where the decoders need neither: the length
        could not be read when the call began (the call fails; strace shows the pointer), or the
        kernel returned it unchanged (the bytes captured then say how long it is)."""
        cdef uint32_t len_in = <uint32_t>s.len_in
        if not s.len_ok or (len_out != NULL and len_out[0] == len_in):
            return 0
        self.xpart_put(s, &len_in, 4)
        if len_out != NULL:
            self.xpart_put(s, len_out, 4)
        else:
            self.xpart_put(s, NULL, -1)
        return 0

    cdef size_t part_begin(self, Slot* s) except? 0 nogil:
        """Start a length-prefixed mem part; it reads as unreadable until part_end sets its length."""
        cdef uint32_t length = MEM_UNREADABLE
        cdef size_t at = s.mem.n
        s.has_mem = 1
        s.nbase += 1
        buf_put(&s.mem, &length, 4)
        return at

    cdef inline void part_end(self, Slot* s, size_t at, ssize_t got) noexcept nogil:
        cdef uint32_t length
        if got >= 0:
            length = <uint32_t>(s.mem.n - at - 4)
            memcpy(s.mem.p + at, &length, 4)

    cdef int mem_part(self, Slot* s, uint64_t addr, size_t n, uint32_t unit) except -1 nogil:
        """One part with up to n bytes at addr, whole ``unit``-sized elements (an array whose tail
        is unmapped keeps the elements before it); a NULL or unreadable pointer is marked as such."""
        cdef size_t at = self.part_begin(s)
        cdef ssize_t got
        if addr != 0:
            got = peek_into(s.tid, addr, n, &s.mem) if n else 0
            if got > 0 and unit > 1:
                s.mem.n -= <size_t>got % unit
                got -= got % unit
            self.part_end(s, at, got if got > 0 or n == 0 else -1)
        return 0

    cdef int mem_part_exact(self, Slot* s, uint64_t addr, size_t n) except -1 nogil:
        """One part with exactly n bytes at addr, or unreadable (strace prints the address)."""
        cdef size_t at = self.part_begin(s)
        if addr != 0:
            self.part_end(s, at, peek_exact(s.tid, addr, n, &s.mem) if n else 0)
        return 0

    cdef int mem_part_str(self, Slot* s, uint64_t addr, size_t maxlen) except -1 nogil:
        cdef size_t at = self.part_begin(s)
        self.part_end(s, at, peek_str(s.tid, addr, maxlen, &s.mem))
        return 0

    cdef int xpart_put(self, Slot* s, const void* src, ssize_t n) except -1 nogil:
        """One extra part: n bytes from src, or unreadable when n < 0."""
        cdef uint32_t length = MEM_UNREADABLE if n < 0 else <uint32_t>n
        buf_put(&s.xmem, &length, 4)
        if n > 0:
            buf_put(&s.xmem, src, <size_t>n)
        return 0

    cdef int xpart_exact(self, Slot* s, uint64_t addr, size_t n) except -1 nogil:
        """One extra part with exactly n bytes at addr, or unreadable (NULL, short read)."""
        cdef size_t at = s.xmem.n
        cdef uint32_t length = MEM_UNREADABLE
        buf_put(&s.xmem, &length, 4)
        if addr != 0 and (n == 0 or peek_exact(s.tid, addr, n, &s.xmem) >= 0):
            length = <uint32_t>n
            memcpy(s.xmem.p + at, &length, 4)
        return 0

    cdef int capture_iov(self, Slot* s, uint64_t iov_addr, uint64_t cnt, uint64_t total, Buf* dst,
                         int parts) except -1 nogil:
        """An iovec array as strace prints it. parts & 1: an extra part with the raw array (the
        entries read: at most -s and IOV_MAX_READ, fewer when its tail is unmapped, unreadable
        when none is). parts & 2: an extra part with the count of entries tried (uint32), then one
        uint32 per entry read: the bytes of its buffer appended to dst (at most -s, and at most
        what is left of ``total``, the bytes transferred), MEM_UNREADABLE when its buffer could
        not be read."""
        cdef uint64_t iov[IOV_MAX_READ * 2]
        cdef uint64_t n = cnt
        cdef uint64_t nread = 0, i, shown
        cdef uint64_t remaining = total
        cdef ssize_t got = 0
        cdef uint32_t tried, c
        cdef size_t at
        if n > self.strsize:
            n = self.strsize
        if n > IOV_MAX_READ:
            n = IOV_MAX_READ
        if iov_addr and n:
            got = peek(s.tid, iov_addr, iov, <size_t>(n * 16))
            if got > 0:
                nread = <uint64_t>got // 16
        if parts & 1:
            if not iov_addr or (n and nread == 0):
                self.xpart_put(s, NULL, -1)
            else:
                self.xpart_put(s, iov, <ssize_t>(nread * 16))
        if parts & 2:
            if not iov_addr or (n and nread == 0):
                self.xpart_put(s, NULL, -1)
                return 0
            at = s.xmem.n
            c = <uint32_t>(4 + nread * 4)
            buf_put(&s.xmem, &c, 4)
            tried = <uint32_t>n
            buf_put(&s.xmem, &tried, 4)
            for i in range(nread):
                shown = iov[2 * i + 1]
                if shown > remaining:
                    shown = remaining
                remaining -= shown
                if shown > self.strsize:
                    shown = self.strsize
                c = <uint32_t>shown
                if shown and peek_exact(s.tid, iov[2 * i], <size_t>shown, dst) < 0:
                    c = MEM_UNREADABLE
                buf_put(&s.xmem, &c, 4)
        return 0

    cdef int capture_msghdr(self, Slot* s, uint64_t addr, uint64_t total) except -1 nogil:
        """struct msghdr {name, namelen, iov, iovlen, control, controllen, flags}: the header as a
        mem part, the name as the sockaddr, the control bytes as a mem part, the iovecs as data
        with two extra parts (capture_iov)."""
        cdef uint64_t h[7]
        cdef uint32_t namelen, ctl
        if peek(s.tid, addr, h, MSGHDR_SIZE) != MSGHDR_SIZE:
            self.mem_part(s, 0, 0, 1)
            return 0
        self.mem_part(s, addr, MSGHDR_SIZE, 1)
        namelen = <uint32_t>(h[1] & 0xFFFFFFFFU)
        if h[0] and namelen:
            s.has_sa = 1 if peek_exact(s.tid, h[0], namelen if namelen < MAX_SOCKADDR else MAX_SOCKADDR,
                                       &s.sa) >= 0 else 0
        ctl = <uint32_t>(h[5] if h[5] < MSG_CONTROL_MAX else MSG_CONTROL_MAX)
        self.mem_part_exact(s, h[4], ctl)   # all or nothing, as strace reads it
        s.has_data = 1
        self.capture_iov(s, h[2], h[3], total, &s.data, 3)
        return 0

    cdef int capture_mmsg(self, Slot* s, uint64_t addr, uint64_t n, int at_exit) except -1 nogil:
        """sendmmsg/recvmmsg: the mmsghdr array (first 8 entries) as one mem part, then each
        message's bytes as a part of its own (its iovecs' bytes as capture_iov takes them, at exit
        up to the msg_len the kernel wrote), with two extra parts per message (capture_iov); the
        first message's address goes to ``sockaddr``."""
        cdef uint64_t h[MMSG_MAX * 8]
        cdef uint64_t i
        cdef uint32_t namelen, msg_len
        cdef size_t at
        if n > MMSG_MAX:
            n = MMSG_MAX
        if n > self.strsize:  # strace shows -s messages at most
            n = self.strsize
        if n == 0 or peek(s.tid, addr, h, <size_t>(n * MMSGHDR_SIZE)) != <ssize_t>(n * MMSGHDR_SIZE):
            self.mem_part(s, 0, 0, 1)
            return 0
        self.mem_part(s, addr, <size_t>(n * MMSGHDR_SIZE), 1)
        namelen = <uint32_t>(h[1] & 0xFFFFFFFFU)
        if h[0] and namelen:
            s.has_sa = 1 if peek_exact(s.tid, h[0], namelen if namelen < MAX_SOCKADDR else MAX_SOCKADDR,
                                       &s.sa) >= 0 else 0
        for i in range(n):
            msg_len = <uint32_t>(h[8 * i + 7] & 0xFFFFFFFFU)
            at = self.part_begin(s)
            self.capture_iov(s, h[8 * i + 2], h[8 * i + 3],
                             <uint64_t>msg_len if at_exit else 0xFFFFFFFFFFFFFFFFULL, &s.mem, 3)
            self.part_end(s, at, 0)
        return 0

    cdef int capture_psel_mask(self, Slot* s, uint64_t addr) except -1 nogil:
        """pselect6's sixth argument, {const sigset_t *ss; size_t ss_len}: an extra part with the
        16 raw bytes, then one with the sigset (ss_len bytes, at most 128)."""
        cdef uint64_t m[2]
        if not addr or peek(s.tid, addr, m, 16) != 16:
            self.xpart_put(s, NULL, -1)
            self.xpart_put(s, NULL, -1)
            return 0
        self.xpart_put(s, m, 16)
        self.xpart_exact(s, m[0], <size_t>(m[1] if m[1] < 128 else 128))
        return 0

    cdef int capture_argv(self, Slot* s, uint64_t addr) except -1 nogil:
        cdef size_t at = self.part_begin(s)
        cdef uint64_t ptr
        cdef int i
        cdef char zero = 0
        if addr == 0:
            return 0
        for i in range(ARGV_MAX + 1):
            if peek(s.tid, addr + 8 * i, &ptr, 8) != 8:
                break
            if ptr == 0:
                break
            if i == ARGV_MAX:
                buf_put(&s.mem, &zero, 1)   # an extra NUL marks the cut
                break
            peek_str(s.tid, ptr, MAX_MEM_PART, &s.mem)
            buf_put(&s.mem, &zero, 1)
        self.part_end(s, at, 0)
        return 0

    # --- --source: what a stack walk needs, read while the thread is stopped ---------------------

    def enable_source(self, int window, on_image):
        """Capture, at each recorded entry, rip/rsp/rbp and ``window`` bytes of the stack from rsp
        (the sink unwinds them into a callchain and drops them). ``on_image(pid, seq)`` is called
        once per process image, while it is stopped, to read its mappings."""
        self.stack_window = window
        self.on_image = on_image

    def enable_pysource(self, on_pyproc, on_pycode):
        """--source on Python programs. At each recorded entry the thread's Python frames are read
        here, in C, while it is stopped: thread state -> frame chain -> (code object, instruction)
        per frame, stored as (code id, instruction index) in the stack arena (rows flagged
        PY_ROW_FLAG); capture/pyframes.py turns them into file/line/function on the sink's worker.
        Python is called only for what is new: ``on_pyproc(pid)`` once per process image
        (its number, _PyRuntime's address and the offsets of its CPython version, or None), and
        ``on_pycode(pid, gen, code_id, code, first_line)`` once per code object, to copy its file,
        name and line table while the thread is stopped."""
        self.on_pyproc = on_pyproc
        self.on_pycode = on_pycode
        if self.py_buf == NULL:
            self.py_buf = <uint8_t*>malloc(PY_SNAP)
            if self.py_buf == NULL:
                raise MemoryError()

    def record_socket_closes_only(self, numbers):
        """Record the calls ``numbers`` (close; dup, dup2, dup3, whose result then is a known
        socket too) only when their descriptor is a socket this
        recording saw made (socket, accept, accept4, socketpair; those must be traced too).
        A close of anything else costs its seccomp stop and nothing more: it resumes with
        PTRACE_CONT, without an exit stop and without a row. Descriptors made otherwise (dup,
        unless dup* is recorded this way; fcntl F_DUPFD, SCM_RIGHTS, inherited, or before an
        attach) are not known as sockets, and
        one closed implicitly (dup2 onto it, close_range) stays known until its number is
        closed again."""
        cdef int nr
        for nr in numbers:
            if 0 <= nr < NR_MAX:
                self.sock_only[nr] = 1
                self.track_socks = 1

    cdef FdSet* fds_of(self, Slot* s) except NULL nogil:
        """The socket descriptors of s's process: shared with another thread of it, else new."""
        cdef size_t i
        cdef Slot* o
        if s.fds != NULL:
            return s.fds
        for i in range(self.table_cap):
            o = self.table[i]
            if o != NULL and <size_t>o != 1 and o != s and o.tgid == s.tgid and o.fds != NULL:
                s.fds = o.fds
                s.fds.refs += 1
                return s.fds
        s.fds = fdset_new()
        return s.fds

    cdef int inherit_fds(self, Slot* parent, Slot* child) except -1 nogil:
        """A new thread shares its process's descriptors; a new process starts with a copy."""
        cdef FdSet* f
        if child.fds != NULL:
            return 0   # its first stop came before this event and it has made its own already
        f = self.fds_of(parent)
        if child.tgid == parent.tgid:
            child.fds = f
            f.refs += 1
        else:
            child.fds = fdset_copy(f)
        return 0

    cdef int note_socket_made(self, Slot* s, uint64_t nr, int64_t rval) except -1 nogil:
        cdef int32_t pair[2]
        cdef uint8_t fl = SOCK_FD
        if nr == NR_SOCKET or nr == NR_SOCKETPAIR:  # type | SOCK_CLOEXEC
            if s.rec.a1 & SOCK_CLOEXEC:
                fl |= SOCK_CLOEXEC_FD
        elif nr == NR_ACCEPT4:          # flags
            if s.rec.a3 & SOCK_CLOEXEC:
                fl |= SOCK_CLOEXEC_FD
        if nr == NR_SOCKETPAIR:
            if peek(s.tid, s.rec.a3, pair, 8) == 8:
                fdset_put(self.fds_of(s), <uint64_t><uint32_t>pair[0], fl)
                fdset_put(self.fds_of(s), <uint64_t><uint32_t>pair[1], fl)
        else:
            fdset_put(self.fds_of(s), <uint64_t>rval, fl)
        return 0


    cdef PyProc* py_find(self, int32_t pid) noexcept nogil:
        cdef size_t i
        for i in range(self.npyprocs):
            if self.pyprocs[i].pid == pid:
                return self.pyprocs[i]
        return NULL

    cdef PyProc* py_proc(self, int32_t pid) except NULL nogil:
        """The process's entry; on first sight (or after exec, or once new code was mapped while
        no interpreter was found) ask pyframes where _PyRuntime is and which offsets apply."""
        cdef PyProc* p = self.py_find(pid)
        cdef PyProc** grown
        cdef int i
        if p == NULL:
            if self.npyprocs == self.cap_pyprocs:
                self.cap_pyprocs = self.cap_pyprocs * 2 if self.cap_pyprocs else 16
                grown = <PyProc**>realloc(self.pyprocs, self.cap_pyprocs * sizeof(PyProc*))
                if grown == NULL:
                    fail(b"realloc", ENOMEM)
                self.pyprocs = grown
            p = <PyProc*>calloc(1, sizeof(PyProc))
            if p == NULL:
                fail(b"calloc", ENOMEM)
            p.pid = pid
            self.pyprocs[self.npyprocs] = p
            self.npyprocs += 1
        if p.state != 0:
            return p
        p.state = 2
        with gil:
            try:
                found = self.on_pyproc(pid)
            except Exception:   # pyframes notes its own failures; anything else: native frames
                found = None
            if found is not None:
                p.gen = found[0]
                p.runtime = found[1]
                for i in range(PY_NOFF):
                    p.off[i] = found[2 + i]
                p.state = 1
        if p.state == 1:
            # the fields read together: a thread state's (next, native id, cframe/frame), a
            # frame's (code, previous, instruction, owner)
            p.ts_lo = min3(p.off[3], p.off[4], p.off[5] if p.off[5] >= 0 else p.off[6])
            p.ts_span = max3(p.off[3], p.off[4], p.off[5] if p.off[5] >= 0 else p.off[6]) + 8 - p.ts_lo
            p.fr_lo = min3(min3(p.off[7], p.off[8], p.off[9]), p.off[11], p.off[11])
            p.fr_span = max3(max3(p.off[7], p.off[8], p.off[9]), p.off[11] - 7, p.off[11] - 7) + 8 - p.fr_lo
        return p

    cdef int py_new_code(self, int32_t pid) noexcept nogil:
        """New executable mappings: a process where no interpreter was found looks again (python
        maps libpython after the loader's first calls)."""
        cdef PyProc* p = self.py_find(pid)
        if p != NULL and p.state == 2:
            p.state = 0
        return 0

    cdef int py_image_gone(self, int32_t pid, int exited) except -1 nogil:
        """exec or exit: the image's code ids are released by pyframes once its rows are resolved
        (an arena entry, read in order with the rows); the next image looks again."""
        cdef PyProc* p = self.py_find(pid)
        cdef uint32_t head[3]
        cdef size_t i
        if p == NULL:
            return 0
        if p.gen:
            head[0] = PY_END_ROW
            head[1] = 4
            head[2] = p.gen
            buf_put(&self.stk_arena, head, 12)
        free(p.keys); free(p.ids)
        p.keys = NULL; p.ids = NULL; p.cap = 0; p.used = 0
        memset(p.tids, 0, sizeof(p.tids))
        p.next_tid = 0
        p.gen = 0
        p.state = 0
        if exited:
            for i in range(self.npyprocs):
                if self.pyprocs[i] == p:
                    self.pyprocs[i] = self.pyprocs[self.npyprocs - 1]
                    self.npyprocs -= 1
                    break
            free(p)
        return 0

    cdef PyTid* py_tid(self, PyProc* p, int32_t tid) noexcept nogil:
        cdef int k
        for k in range(PY_TIDS):
            if p.tids[k].tid == tid:
                return &p.tids[k]
        return NULL

    cdef void py_note(self, uint64_t addr, size_t n) noexcept nogil:
        """Remember a read of this walk, to replay it at the thread's next call."""
        cdef PyRegion* r
        if self.py_nnow < PY_REGIONS and self.py_now_bytes + n <= PY_SNAP:
            r = &self.py_now[self.py_nnow]
            r.addr = addr
            r.len = <uint32_t>n
            r.at = <uint32_t>self.py_now_bytes
            self.py_nnow += 1
            self.py_now_bytes += n

    cdef ssize_t py_peek(self, int32_t tid, uint64_t addr, void* dst, size_t n) noexcept nogil:
        """peek, served from this call's replayed reads where they cover it. The replay was read
        in this same stop, so its bytes are the tracee's memory now: a guess only decides what
        was read, never what a value is."""
        cdef int i
        cdef PyRegion* r
        cdef ssize_t got = -1
        for i in range(self.py_nhave):
            r = &self.py_have[i]
            if r.addr <= addr and addr + n <= r.addr + r.len:
                memcpy(dst, self.py_buf + r.at + (addr - r.addr), n)
                got = <ssize_t>n
                break
        if got < 0:
            got = peek(tid, addr, dst, n)
        if got == <ssize_t>n:
            self.py_note(addr, n)
        return got

    cdef void py_remember(self, PyTid* t) noexcept nogil:
        """What this walk read, then what the thread's earlier walks read (a loop alternates
        call sites: socket() then connect()), replayed at its next call."""
        cdef PyRegion merged[PY_REGIONS]
        cdef PyRegion r
        cdef int i, j, m = 0
        cdef size_t at = 0
        cdef bint dup
        for i in range(self.py_nnow + t.nreg):
            if m == PY_REGIONS:
                break
            r = self.py_now[i] if i < self.py_nnow else t.reg[i - self.py_nnow]
            dup = False
            if i >= self.py_nnow:
                for j in range(m):
                    if merged[j].addr == r.addr and merged[j].len == r.len:
                        dup = True
                        break
            if dup or at + r.len > PY_SNAP:
                continue
            merged[m] = r
            merged[m].at = <uint32_t>at
            at += r.len
            m += 1
        memcpy(t.reg, merged, m * sizeof(PyRegion))
        t.nreg = m

    cdef void py_replay(self, PyTid* t) noexcept nogil:
        """The thread's last walk read again in one process_vm_readv: a loop calling the same code
        finds the same thread state, frames and code objects at the same addresses, so the walk
        then costs one system call instead of a few per frame."""
        cdef iovec local[PY_REGIONS]
        cdef iovec remote[PY_REGIONS]
        cdef int i
        cdef ssize_t got
        cdef size_t done = 0
        self.py_nhave = 0
        if t.nreg == 0:
            return
        for i in range(t.nreg):
            local[i].iov_base = self.py_buf + t.reg[i].at
            local[i].iov_len = t.reg[i].len
            remote[i].iov_base = <void*>t.reg[i].addr
            remote[i].iov_len = t.reg[i].len
        got = process_vm_readv(t.tid, local, t.nreg, remote, t.nreg, 0)
        for i in range(t.nreg):   # it stops at the first unreadable region
            if got < 0 or done + t.reg[i].len > <size_t>got:
                break
            done += t.reg[i].len
            self.py_have[i] = t.reg[i]
            self.py_nhave = i + 1

    cdef uint64_t py_tstate(self, PyProc* p, int32_t tid, uint8_t* span) noexcept nogil:
        """The thread state of tid (0: none, e.g. a thread that never ran Python), its fields
        from ts_lo in span. Remembered per tid; a remembered one is checked by its native id."""
        cdef uint64_t interp, ts
        cdef int k
        cdef int64_t lo = p.ts_lo
        cdef PyTid* t = self.py_tid(p, tid)
        if t != NULL and t.ts:
            if (self.py_peek(tid, t.ts + lo, span, p.ts_span) == p.ts_span
                    and rd64(span, p.off[4] - lo) == <uint64_t>tid):
                return t.ts
            t.tid = 0
        if peek(tid, p.runtime + p.off[0], &interp, 8) != 8:
            return 0
        while interp:
            if peek(tid, interp + p.off[1], &ts, 8) != 8:
                return 0
            while ts:
                if peek(tid, ts + lo, span, p.ts_span) != p.ts_span:
                    return 0
                if rd64(span, p.off[4] - lo) == <uint64_t>tid:
                    k = p.next_tid
                    p.next_tid = (k + 1) % PY_TIDS
                    p.tids[k].tid = tid
                    p.tids[k].ts = ts
                    p.tids[k].nreg = 0
                    self.py_nnow = 0
                    self.py_now_bytes = 0
                    self.py_note(ts + lo, p.ts_span)
                    return ts
                ts = rd64(span, p.off[3] - lo)
            if peek(tid, interp + p.off[2], &interp, 8) != 8:
                return 0
        return 0

    cdef uint32_t py_code_id(self, PyProc* p, int32_t tid, uint64_t code, int32_t first) except? 0 nogil:
        """The id of (code object, first line) in this image; a new one is copied by pyframes
        now, while the thread is stopped. 0: it could not be read."""
        cdef size_t mask, i, j, old_cap
        cdef uint64_t key = code ^ (<uint64_t><uint32_t>first << 48)
        cdef uint64_t* okeys
        cdef uint32_t* oids
        cdef uint32_t cid
        cdef int ok = 0
        if p.cap:
            mask = p.cap - 1
            i = <size_t>((key >> 4) * 11400714819323198485ULL >> 40) & mask
            while p.keys[i]:
                if p.keys[i] == key:
                    return p.ids[i]
                i = (i + 1) & mask
        cid = self.py_codes + 1
        with gil:
            try:
                ok = 1 if self.on_pycode(p.pid, p.gen, cid, code, first) else 0
            except Exception:
                ok = 0
        if not ok:
            return 0
        self.py_codes = cid
        if (p.used + 1) * 2 > p.cap:
            okeys = p.keys
            oids = p.ids
            old_cap = p.cap
            p.cap = old_cap * 2 if old_cap else 64
            p.keys = <uint64_t*>calloc(p.cap, 8)
            p.ids = <uint32_t*>calloc(p.cap, 4)
            if p.keys == NULL or p.ids == NULL:
                fail(b"calloc", ENOMEM)
            p.used = 0
            for j in range(old_cap):
                if okeys[j]:
                    py_set(p, okeys[j], oids[j])
            free(okeys); free(oids)
        py_set(p, key, cid)
        return cid

    cdef int py_capture(self, Slot* s) except -1 nogil:
        """The Python frames of a stopped thread, innermost first, as (code id, instruction
        index) pairs in s.py. Nothing (native frames) for a process without a known CPython or a
        thread without a thread state; a failed read leaves one u32 (pyframes notes why)."""
        cdef PyProc* p
        cdef PyTid* t
        cdef uint8_t span[512]
        cdef uint8_t fr[128]
        cdef uint64_t ts, frame, cf, code, prev
        cdef int32_t first
        cdef int32_t pair[2]
        cdef uint32_t cid, failed = 0
        cdef int64_t index
        cdef int n = 0
        cdef int32_t tid = s.tid
        s.has_py = 0
        s.py.n = 0
        p = self.py_proc(s.tgid)
        if p.state != 1 or p.ts_span > 512 or p.fr_span > 128:
            return 0
        self.py_nhave = 0
        self.py_nnow = 0
        self.py_now_bytes = 0
        t = self.py_tid(p, tid)
        if t != NULL:
            self.py_replay(t)
        ts = self.py_tstate(p, tid, span)
        if ts == 0:
            return 0
        if p.off[5] >= 0:   # 3.11, 3.12: tstate->cframe->current_frame
            cf = rd64(span, p.off[5] - p.ts_lo)
            if cf == 0 or self.py_peek(tid, cf + p.off[6], &frame, 8) != 8:
                frame = 0
                failed = 1
        else:               # 3.13: tstate->current_frame
            frame = rd64(span, p.off[6] - p.ts_lo)
        while frame and n < PY_MAX_FRAMES:
            if self.py_peek(tid, frame + p.fr_lo, fr, p.fr_span) != p.fr_span:
                failed = 1
                break
            code = rd64(fr, p.off[7] - p.fr_lo)
            prev = rd64(fr, p.off[9] - p.fr_lo)
            frame = rd64(fr, p.off[8] - p.fr_lo)
            if fr[p.off[11] - p.fr_lo] == p.off[12]:
                continue   # owned by the C stack (3.12 shim, 3.13 entry frame): no line of its own
            if code == 0 or self.py_peek(tid, code + p.off[10], &first, 4) != 4:
                failed = 1
                break
            cid = self.py_code_id(p, tid, code, first)
            if cid == 0:
                failed = 1
                break
            index = -1   # not started yet (3.11 incomplete frame): no line
            if prev >= code + <uint64_t>p.off[13]:
                index = <int64_t>(prev - code - <uint64_t>p.off[13]) // 2
            pair[0] = <int32_t>cid
            pair[1] = <int32_t>index if index < 0x7FFFFFFF else -1
            buf_put(&s.py, pair, 8)
            n += 1
        t = self.py_tid(p, tid)
        if t != NULL:
            self.py_remember(t)
        self.py_nhave = 0
        if failed:
            s.py.n = 0
            buf_put(&s.py, &failed, 4)
            s.has_py = 2   # kept for pyframes' note; the native frames are captured too
        else:
            s.has_py = 1 if s.py.n else 0
        return 0

    cdef int note_image(self, Slot* s) except -1 nogil:
        s.maps_ok = 1
        if self.on_pycode is not None:
            self.py_new_code(s.tgid)
        with gil:
            self.on_image(s.tgid, self.counter)
        return 0

    cdef int capture_stack(self, Slot* s) except -1 nogil:
        """rip, rsp, rbp, then the stack from rsp, page by page so that the window stops short at
        the end of the stack mapping instead of failing as a whole."""
        cdef user_regs_struct regs
        cdef iovec local
        cdef iovec remote[8]
        cdef uint64_t head[3]
        cdef uint64_t addr, end
        cdef size_t k = 0, chunk
        cdef ssize_t got
        s.stk.n = 0
        s.has_stk = 0
        if s.has_py == 1:
            return 0   # the Python stack was read: native frames would only show libpython
        if ptrace(PTRACE_GETREGS, s.tid, NULL, &regs) < 0:
            if errno == ESRCH:
                return 0   # killed while stopped: the row is kept without a callchain
            fail(b"ptrace(PTRACE_GETREGS)", errno)
        head[0] = regs.rip
        head[1] = regs.rsp
        head[2] = regs.rbp
        buf_put(&s.stk, head, sizeof(head))
        s.has_stk = 1
        addr = regs.rsp
        end = addr + self.stack_window
        while addr < end and k < 8:
            chunk = 4096 - (addr & 4095)
            if chunk > end - addr:
                chunk = <size_t>(end - addr)
            remote[k].iov_base = <void*>addr
            remote[k].iov_len = chunk
            addr += chunk
            k += 1
        buf_reserve(&s.stk, self.stack_window)
        local.iov_base = s.stk.p + s.stk.n
        local.iov_len = <size_t>(addr - regs.rsp)
        got = process_vm_readv(s.tid, &local, 1, remote, k, 0)
        # -1 (the thread died while stopped, or rsp points nowhere: ESRCH, EFAULT) is not a
        # failure of the recording: the row keeps rip alone as its callchain.
        if got > 0:
            s.stk.n += <size_t>got
        return 0

    # --- rows -----------------------------------------------------------------------------------

    cdef Rec* new_rec(self) except NULL nogil:
        if (self.batch.n == self.batch.cap or self.batch.data.n + self.batch.mem.n > (16 << 20)
                or self.stk_arena.n > STACK_ARENA_MAX):
            self.flush_gil()
        if self.batch.n == 0 and self.prompt:
            self.batch_t0 = now_ns()
        self.rows_written += 1
        self.batch.n += 1
        return &self.batch.recs[self.batch.n - 1]

    cdef int emit(self, Slot* s, int finished) except -1 nogil:
        cdef Rec* r = self.new_rec()
        memcpy(r, &s.rec, sizeof(Rec))
        r.flags = (F_HAS_RET | F_FINISHED) if finished else 0
        if not finished:
            s.in_syscall = 0
            s.recorded = 0
        put_bytes(&self.batch.data, &r.data_len, s.has_data, &s.data)
        put_bytes(&self.batch.sa, &r.sa_len, s.has_sa, &s.sa)
        put_bytes(&self.batch.path, &r.path_len, s.has_path, &s.path)
        put_mem(&self.batch.mem, &r.mem_len, s)
        if s.has_stk:
            put_stack(&self.stk_arena, <uint32_t>(self.batch.n - 1), &s.stk)
        if s.has_py:
            put_stack(&self.stk_arena, <uint32_t>(self.batch.n - 1) | <uint32_t>PY_ROW_FLAG, &s.py)
        return 0

    cdef int spawn_row(self, Slot* s, int event, Slot* child, int64_t ts) except -1 nogil:
        cdef int nr = 56   # clone (clone3 too)
        if event == PTRACE_EVENT_FORK:
            nr = 57
        elif event == PTRACE_EVENT_VFORK:
            nr = 58
        self.point_row(s, K_SPAWNED, nr, child.tid, ts, NULL, 0)
        self.batch.recs[self.batch.n - 1].a0 = <uint64_t>child.tgid
        self.batch.recs[self.batch.n - 1].flags = F_HAS_RET
        return 0

    cdef int point_row(self, Slot* s, uint8_t kind, int nr, int64_t ret, int64_t ts,
                       const uint8_t* mem, uint32_t memlen) except -1 nogil:
        cdef Rec* r
        cdef uint32_t length = memlen
        self.events_seen += 1
        r = self.new_rec()
        memset(r, 0, sizeof(Rec))
        r.seq = self.counter
        self.counter += 1
        r.ts = ts
        r.pid = s.tgid
        r.tid = s.tid
        r.kind = kind
        r.nr = <int16_t>nr
        r.ret = ret
        r.flags = F_HAS_RET if kind == K_EXIT or kind == K_KILLED else 0
        r.data_len = -1
        r.sa_len = -1
        r.path_len = -1
        r.mem_len = -1
        if mem != NULL:
            r.mem_len = <int32_t>(memlen + 4)
            buf_put(&self.batch.mem, &length, 4)
            buf_put(&self.batch.mem, mem, memlen)
        return 0

    cdef int flush_gil(self) except -1 nogil:
        with gil:
            self.flush()
        return 0

    def flush_unfinished(self):
        """Calls still in progress when the recording ends become rows with no exit."""
        cdef size_t i
        cdef Slot* s
        for i in range(self.table_cap):
            s = self.table[i]
            if s != NULL and <size_t>s != 1 and s.in_syscall and s.recorded:
                self.emit(s, 0)

    def flush(self):
        cdef object recs
        if self.batch.n:
            batch = batch_bytes(&self.batch)
            self.batch.n = 0
            self.batch.data.n = 0
            self.batch.sa.n = 0
            self.batch.path.n = 0
            self.batch.mem.n = 0
            if self.stack_window:
                batch = batch + (buf_bytes(&self.stk_arena),)
                self.stk_arena.n = 0
        else:
            batch = None
        pending = None
        if self.live and getattr(self.sink, "wants_pending", False):
            pending = self.snapshot_pending()
        self.last_flush = now_ns()
        if batch is not None or pending is not None:
            self.live_sent += 1
            if batch is not None:
                self.last_sent = self.last_flush
            self.sink.write(batch, pending)

    cdef object snapshot_pending(self):
        cdef size_t i
        cdef Slot* s
        cdef Rec* r
        self.snap.n = 0
        self.snap.data.n = 0; self.snap.sa.n = 0; self.snap.path.n = 0; self.snap.mem.n = 0
        self.snap_stk.n = 0
        for i in range(self.table_cap):
            s = self.table[i]
            if s == NULL or <size_t>s == 1 or not (s.in_syscall and s.recorded):
                continue
            if self.snap.n == self.snap.cap:
                r = <Rec*>realloc(self.snap.recs, self.snap.cap * 2 * sizeof(Rec))
                if r == NULL:
                    raise MemoryError()
                self.snap.recs = r
                self.snap.cap *= 2
            r = &self.snap.recs[self.snap.n]
            self.snap.n += 1
            memcpy(r, &s.rec, sizeof(Rec))
            r.flags = 0
            put_bytes(&self.snap.data, &r.data_len, s.has_data, &s.data)
            put_bytes(&self.snap.sa, &r.sa_len, s.has_sa, &s.sa)
            put_bytes(&self.snap.path, &r.path_len, s.has_path, &s.path)
            put_mem(&self.snap.mem, &r.mem_len, s)
            if s.has_stk:
                put_stack(&self.snap_stk, <uint32_t>(self.snap.n - 1), &s.stk)
            if s.has_py:
                put_stack(&self.snap_stk, <uint32_t>(self.snap.n - 1) | <uint32_t>PY_ROW_FLAG, &s.py)
        if self.snap.n == 0:
            return None
        if self.stack_window:
            return batch_bytes(&self.snap) + (buf_bytes(&self.snap_stk),)
        return batch_bytes(&self.snap)

    def stats(self):
        return {
            "events_seen": self.events_seen,
            "events_written": self.rows_written,
            "exits_without_entry": self.exits_without_entry,
            "compat_calls": self.compat_calls,
            "stops": self.stops,
            "next_seq": self.counter,
        }

    @property
    def main_exited(self):
        return bool(self.main_done)


cdef inline int op_phase(uint8_t op) noexcept nogil:
    """1: the op runs at entry, 2: at exit, 3: both."""
    if (op == OP_PATH or op == OP_STR or op == OP_BUF_IN or op == OP_IOV_IN or op == OP_SA_IN
            or op == OP_MSG_IN or op == OP_MEM_IN or op == OP_MEM_IN_N or op == OP_ARGV
            or op == OP_MMSG_IN or op == OP_LEN_IN or op == OP_XMEM_IN or op == OP_FDSETS_IN
            or op == OP_PSEL_MASK):
        return 1
    if op == OP_IOV_OUT or op == OP_MSG_OUT or op == OP_FLOCK or op == OP_IOCTL_INT:
        return 3
    return 2


cdef inline bint is_ioctl_int_in(uint64_t req) noexcept nogil:
    req &= 0xFFFFFFFFU
    return req == IOCTL_FIONBIO or req == IOCTL_FIOASYNC


cdef inline bint is_ioctl_int_out(uint64_t req) noexcept nogil:
    req &= 0xFFFFFFFFU
    return (req == IOCTL_FIONREAD or req == IOCTL_TIOCOUTQ or req == IOCTL_SIOCOUTQNSD
            or req == IOCTL_SIOCATMARK or req == IOCTL_FIOGETOWN or req == IOCTL_SIOCGPGRP)


cdef inline bint is_lock_cmd(uint64_t cmd) noexcept nogil:
    """fcntl's F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ twins (struct flock argument)."""
    return (cmd == CMD_F_GETLK or cmd == CMD_F_SETLK or cmd == CMD_F_SETLKW or cmd == CMD_F_OFD_GETLK
            or cmd == CMD_F_OFD_SETLK or cmd == CMD_F_OFD_SETLKW)


cdef inline int put_mem(Buf* arena, int32_t* out_len, Slot* s) except -1 nogil:
    """The mem cell: the base parts, then the extra parts behind a two-word header
    (MEM_EXTRAS, number of base parts) so that readers find the base parts where they were."""
    cdef uint32_t head[2]
    if not s.xmem.n:
        return put_bytes(arena, out_len, s.has_mem, &s.mem)
    head[0] = MEM_EXTRAS
    head[1] = s.nbase
    out_len[0] = <int32_t>(8 + s.mem.n + s.xmem.n)
    buf_put(arena, head, 8)
    if s.mem.n:
        buf_put(arena, s.mem.p, s.mem.n)
    buf_put(arena, s.xmem.p, s.xmem.n)
    return 0


cdef inline int put_bytes(Buf* arena, int32_t* out_len, int present, Buf* src) except -1 nogil:
    if not present:
        out_len[0] = -1
        return 0
    out_len[0] = <int32_t>src.n
    if src.n:
        buf_put(arena, src.p, src.n)
    return 0


cdef inline void watch_maps(Slot* s, uint64_t nr, uint64_t* args) noexcept nogil:
    """--source: code mapped (mmap/mprotect with PROT_EXEC, e.g. the loader mapping libc or a
    dlopen) makes the thread read its process's mappings again at its next recorded call."""
    if (nr == NR_MMAP or nr == NR_MPROTECT) and (args[2] & PROT_EXEC):
        s.maps_ok = 0


cdef inline int put_stack(Buf* arena, uint32_t row, Buf* src) except -1 nogil:
    """One stack-arena entry: row index in the batch, byte count, then rip/rsp/rbp + window."""
    cdef uint32_t head[2]
    head[0] = row
    head[1] = <uint32_t>src.n
    buf_put(arena, head, 8)
    buf_put(arena, src.p, src.n)
    return 0


cdef object buf_bytes(Buf* b):
    return (<char*>b.p)[:b.n] if b.n else b""


def rec_size():
    """sizeof(struct Rec): capture/batches.py checks its numpy dtype against it."""
    return sizeof(Rec)


def rec_layout():
    """Each struct Rec field as (name, offset, size), in declaration order: capture/batches.py
    and capture/rows.py check the schema's record layout (schema.trace.REC_FIELDS) against it,
    field by field, so two swapped fields fail as surely as a wrong total size."""
    cdef Rec r
    cdef char* base = <char*>&r
    return (
        ("seq", <char*>&r.seq - base, sizeof(r.seq)),
        ("exit_seq", <char*>&r.exit_seq - base, sizeof(r.exit_seq)),
        ("ts", <char*>&r.ts - base, sizeof(r.ts)),
        ("dur", <char*>&r.dur - base, sizeof(r.dur)),
        ("ret", <char*>&r.ret - base, sizeof(r.ret)),
        ("a0", <char*>&r.a0 - base, sizeof(r.a0)),
        ("a1", <char*>&r.a1 - base, sizeof(r.a1)),
        ("a2", <char*>&r.a2 - base, sizeof(r.a2)),
        ("a3", <char*>&r.a3 - base, sizeof(r.a3)),
        ("a4", <char*>&r.a4 - base, sizeof(r.a4)),
        ("a5", <char*>&r.a5 - base, sizeof(r.a5)),
        ("pid", <char*>&r.pid - base, sizeof(r.pid)),
        ("tid", <char*>&r.tid - base, sizeof(r.tid)),
        ("data_len", <char*>&r.data_len - base, sizeof(r.data_len)),
        ("sa_len", <char*>&r.sa_len - base, sizeof(r.sa_len)),
        ("path_len", <char*>&r.path_len - base, sizeof(r.path_len)),
        ("mem_len", <char*>&r.mem_len - base, sizeof(r.mem_len)),
        ("nr", <char*>&r.nr - base, sizeof(r.nr)),
        ("kind", <char*>&r.kind - base, sizeof(r.kind)),
        ("flags", <char*>&r.flags - base, sizeof(r.flags)),
    )


cdef object batch_bytes(Batch* b):
    """Copy a C batch out: the packed records, then each arena."""
    return (
        (<char*>b.recs)[:b.n * sizeof(Rec)],
        (<char*>b.data.p)[:b.data.n] if b.data.n else b"",
        (<char*>b.sa.p)[:b.sa.n] if b.sa.n else b"",
        (<char*>b.path.p)[:b.path.n] if b.path.n else b"",
        (<char*>b.mem.p)[:b.mem.n] if b.mem.n else b"",
    )


cdef void arm_alarm(int64_t in_ns, int64_t interval_ns) noexcept nogil:
    """The next SIGALRM in in_ns (at least 100 µs), then every interval_ns as run() set it."""
    cdef itimerval tv
    if in_ns < 100000:
        in_ns = 100000
    if interval_ns > 500000000:
        interval_ns = 500000000
    tv.it_value.tv_sec = 0
    tv.it_value.tv_usec = <long>(in_ns // 1000)
    tv.it_interval.tv_sec = 0
    tv.it_interval.tv_usec = <long>(interval_ns // 1000)
    setitimer(ITIMER_REAL, &tv, NULL)


cdef inline sock_filter bpf_stmt(uint16_t code, uint32_t k) noexcept nogil:
    cdef sock_filter f
    f.code = code
    f.jt = 0
    f.jf = 0
    f.k = k
    return f


cdef inline sock_filter bpf_jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) noexcept nogil:
    cdef sock_filter f
    f.code = code
    f.jt = jt
    f.jf = jf
    f.k = k
    return f


cdef void child_exec(const char* path, char** argv, char** env, sock_fprog* prog) noexcept nogil:
    """In the forked child: restore what Python changed, wait to be seized, filter, exec."""
    cdef sigaction_t dfl
    memset(&dfl, 0, sizeof(dfl))
    dfl.sa_sigaction = NULL   # SIG_DFL
    sigemptyset(&dfl.sa_mask)
    # Python ignores SIGPIPE and SIGXFSZ itself; everything else the command inherits as it would
    # from a shell (ignored signals stay ignored, e.g. under nohup; the mask is kept).
    sigaction(SIGPIPE, &dfl, NULL)
    sigaction(SIGXFSZ, &dfl, NULL)
    kill(getpid(), SIGSTOP)
    if prog != NULL:
        if prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, <unsigned long>prog, 0, 0) < 0:
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            if prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, <unsigned long>prog, 0, 0) < 0:
                _exit(126)
    execve(path, argv, env)
    _exit(127)


cdef int read_proc_file(int32_t tid, const char* name, char* buf, int cap) noexcept nogil:
    """/proc/TID/NAME into buf (NUL-terminated, at most cap - 1 bytes): its length, or -1."""
    cdef char path[64]
    cdef int fd, n
    snprintf(path, sizeof(path), b"/proc/%d/%s", tid, name)
    fd = c_open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0:
        return -1
    n = <int>read(fd, buf, cap - 1)
    close(fd)
    if n <= 0:
        return -1
    buf[n] = 0
    return n


cdef int read_status_ids(int32_t tid, int32_t* tgid, int32_t* ppid) noexcept nogil:
    """Tgid and PPid from /proc/TID/status, read once per new thread."""
    cdef char buf[1024]
    cdef int i, n, val
    cdef int32_t* target
    n = read_proc_file(tid, b"status", buf, sizeof(buf))
    if n < 0:
        return -1
    i = 0
    while i < n:
        target = NULL
        if i + 5 < n and buf[i] == b'T' and buf[i+1] == b'g' and buf[i+2] == b'i' and buf[i+3] == b'd' and buf[i+4] == b':':
            target = tgid
        elif i + 5 < n and buf[i] == b'P' and buf[i+1] == b'P' and buf[i+2] == b'i' and buf[i+3] == b'd' and buf[i+4] == b':':
            target = ppid
        if target != NULL:
            i += 5
            while i < n and (buf[i] == b' ' or buf[i] == b'\t'):
                i += 1
            val = 0
            while i < n and 48 <= buf[i] <= 57:
                val = val * 10 + (buf[i] - 48)
                i += 1
            target[0] = val
        while i < n and buf[i] != b'\n':
            i += 1
        i += 1
    return 0


cdef int last_cpu(int32_t tid) noexcept nogil:
    """The CPU a thread last ran on: /proc/TID/stat field 39, or -1."""
    cdef char buf[1024]
    cdef int n, i, field, cpu
    n = read_proc_file(tid, b"stat", buf, sizeof(buf))
    if n < 0:
        return -1
    i = n - 1
    while i > 0 and buf[i] != b')':   # the name may hold spaces and parentheses: the last ')'
        i -= 1
    field = 2
    while i < n and field < 39:
        if buf[i] == b' ':
            field += 1
        i += 1
    if field != 39:
        return -1
    cpu = 0
    while i < n and 48 <= buf[i] <= 57:
        cpu = cpu * 10 + (buf[i] - 48)
        i += 1
    return cpu


cdef int is_zombie(int32_t tid) noexcept nogil:
    with gil:
        return 1 if _proc_state(tid) in ("Z", "X", "") else 0


def _proc_state(tid):
    try:
        with open(f"/proc/{tid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return ""


def _tracer_of(tid):
    try:
        with open(f"/proc/{tid}/status") as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
