#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_frame.h"
#include <stdio.h>
int main(void){
printf("runtime_interpreters_head=%zu\n", offsetof(_PyRuntimeState, interpreters.head));
printf("interp_threads_head=%zu\n", offsetof(PyInterpreterState, threads.head));
printf("interp_next=%zu\n", offsetof(PyInterpreterState, next));
printf("tstate_next=%zu\n", offsetof(PyThreadState, next));
printf("tstate_native_thread_id=%zu\n", offsetof(PyThreadState, native_thread_id));
printf("tstate_cframe=%zu\n", offsetof(PyThreadState, cframe));
printf("cframe_current_frame=%zu\n", offsetof(_PyCFrame, current_frame));
printf("frame_f_code=%zu\n", offsetof(_PyInterpreterFrame, f_code));
printf("frame_previous=%zu\n", offsetof(_PyInterpreterFrame, previous));
printf("frame_prev_instr=%zu\n", offsetof(_PyInterpreterFrame, prev_instr));
printf("frame_owner=%zu\n", offsetof(_PyInterpreterFrame, owner));
printf("code_filename=%zu\n", offsetof(PyCodeObject, co_filename));
printf("code_name=%zu\n", offsetof(PyCodeObject, co_name));
printf("code_qualname=%zu\n", offsetof(PyCodeObject, co_qualname));
printf("code_firstlineno=%zu\n", offsetof(PyCodeObject, co_firstlineno));
printf("code_linetable=%zu\n", offsetof(PyCodeObject, co_linetable));
printf("code_adaptive=%zu\n", offsetof(PyCodeObject, co_code_adaptive));
printf("bytes_size=%zu\n", offsetof(PyVarObject, ob_size));
printf("bytes_sval=%zu\n", offsetof(PyBytesObject, ob_sval));
printf("unicode_state=%zu\n", offsetof(PyASCIIObject, state));
printf("unicode_length=%zu\n", offsetof(PyASCIIObject, length));
printf("unicode_ascii_data=%zu\n", sizeof(PyASCIIObject));
printf("unicode_compact_data=%zu\n", sizeof(PyCompactUnicodeObject));
return 0;}
