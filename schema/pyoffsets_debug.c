/* Where each offset renacer needs sits inside _Py_DebugOffsets (CPython 3.13+): the interpreter
   keeps that struct at the start of _PyRuntime for out-of-process debuggers, filled in with the
   offsets of its own build, so renacer reads the values from the tracee and only their
   positions are data here (schema/gen_pyoffsets.py). */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include "internal/pycore_runtime.h"
#include <stdio.h>
#define AT(name, field) printf(name "=%zu\n", offsetof(_Py_DebugOffsets, field))
int main(void){
AT("version", version);
AT("free_threaded", free_threaded);
AT("runtime_interpreters_head", runtime_state.interpreters_head);
AT("interp_threads_head", interpreter_state.threads_head);
AT("interp_next", interpreter_state.next);
AT("tstate_next", thread_state.next);
AT("tstate_native_thread_id", thread_state.native_thread_id);
AT("cframe_current_frame", thread_state.current_frame);
AT("frame_f_code", interpreter_frame.executable);
AT("frame_previous", interpreter_frame.previous);
AT("frame_prev_instr", interpreter_frame.instr_ptr);
AT("frame_owner", interpreter_frame.owner);
AT("code_filename", code_object.filename);
AT("code_name", code_object.name);
AT("code_qualname", code_object.qualname);
AT("code_firstlineno", code_object.firstlineno);
AT("code_linetable", code_object.linetable);
AT("code_adaptive", code_object.co_code_adaptive);
AT("bytes_size", bytes_object.ob_size);
AT("bytes_sval", bytes_object.ob_sval);
AT("unicode_state", unicode_object.state);
AT("unicode_length", unicode_object.length);
AT("unicode_ascii_data", unicode_object.asciiobject_size);
printf("size=%zu\n", sizeof(_Py_DebugOffsets));
printf("frame_owner_cstack=%d\n", (int)FRAME_OWNED_BY_CSTACK);
printf("unicode_compact_extra=%zu\n", sizeof(PyCompactUnicodeObject) - sizeof(PyASCIIObject));
return 0;}
