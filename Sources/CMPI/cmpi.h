// C shim over OpenMPI's mpi.h. OpenMPI defines its handles (MPI_COMM_WORLD,
// MPI_DOUBLE, MPI_IN_PLACE, ...) as macros over addresses of global objects,
// which Swift cannot import; these inline getters expose them.
#ifndef CMPI_H
#define CMPI_H

#include <dlfcn.h>
#include <mpi.h>
#include <stdbool.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm cmpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Group cmpi_group_null(void) { return MPI_GROUP_NULL; }
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Message cmpi_message_null(void) { return MPI_MESSAGE_NULL; }
static inline MPI_Message cmpi_message_no_proc(void) { return MPI_MESSAGE_NO_PROC; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Status *cmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *cmpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }

static inline int cmpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int cmpi_any_tag(void) { return MPI_ANY_TAG; }
static inline int cmpi_undefined(void) { return MPI_UNDEFINED; }
static inline int cmpi_proc_null(void) { return MPI_PROC_NULL; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int cmpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }

static inline int cmpi_thread_single(void) { return MPI_THREAD_SINGLE; }
static inline int cmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int cmpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int cmpi_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }

static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype cmpi_char(void) { return MPI_CHAR; }
static inline MPI_Datatype cmpi_int8(void) { return MPI_INT8_T; }
static inline MPI_Datatype cmpi_int16(void) { return MPI_INT16_T; }
static inline MPI_Datatype cmpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype cmpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Datatype cmpi_uint16(void) { return MPI_UINT16_T; }
static inline MPI_Datatype cmpi_uint32(void) { return MPI_UINT32_T; }
static inline MPI_Datatype cmpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }

static inline MPI_Op cmpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op cmpi_op_prod(void) { return MPI_PROD; }
static inline MPI_Op cmpi_op_min(void) { return MPI_MIN; }
static inline MPI_Op cmpi_op_max(void) { return MPI_MAX; }

static inline int cmpi_status_source(const MPI_Status *s) { return s->MPI_SOURCE; }
static inline int cmpi_status_tag(const MPI_Status *s) { return s->MPI_TAG; }
static inline int cmpi_status_error(const MPI_Status *s) { return s->MPI_ERROR; }
/* The bytes a completed receive took (MPI_Get_count with MPI_BYTE): read
   from the status where Open MPI keeps them, else asked of MPI_Get_count;
   -1 when MPI cannot say. */
static inline long cmpi_status_byte_count(MPI_Status *s) {
#if defined(OPEN_MPI) && OPEN_MPI
  return (long)s->_ucount;
#else
  int count = 0;
  if (MPI_Get_count(s, MPI_BYTE, &count) != MPI_SUCCESS || count == MPI_UNDEFINED) return -1;
  return count;
#endif
}

static inline MPI_Comm cmpi_comm_self(void) { return MPI_COMM_SELF; }
static inline MPI_Info cmpi_info_null(void) { return MPI_INFO_NULL; }
/* MPI_UNIVERSE_SIZE of MPI_COMM_WORLD: how many processes the launcher has
   room for in all (-1 when it does not say). */
static inline int cmpi_universe_size(void) {
  int *size = NULL;
  int flag = 0;
  if (MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &size, &flag) != MPI_SUCCESS || !flag || !size) return -1;
  return *size;
}
static inline int cmpi_max_library_version_string(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }

/* Open MPI (4.x, 5.x) takes its internal locks (message matching,
   endpoints, requests, free lists) whenever the thread level is above
   MPI_THREAD_SINGLE: libopen-pal's flag `opal_uses_threads` turns them on.
   Found at run time (dlsym), so any other MPI builds and runs without it. */
static inline bool *cmpi_openmpi_uses_threads_flag(void) {
  return (bool *)dlsym(RTLD_DEFAULT, "opal_uses_threads");
}

/* The flag's value: 1 (locks on), 0 (off), -1 (no such flag: not Open MPI). */
static inline int cmpi_openmpi_uses_threads(void) {
  bool *flag = cmpi_openmpi_uses_threads_flag();
  return flag == NULL ? -1 : (*flag ? 1 : 0);
}

/* Turns the locks off, for a process whose MPI calls never overlap (each made
   under one lock of the caller's). Returns 1 when they were turned off, 0
   when this MPI has no such flag. */
static inline int cmpi_openmpi_clear_uses_threads(void) {
  bool *flag = cmpi_openmpi_uses_threads_flag();
  if (flag == NULL) return 0;
  *flag = false;
  return 1;
}

/* Whether Open MPI yields the processor (sched_yield) on each poll that
   completes nothing: libopen-pal's flag `opal_progress_yield_when_idle`,
   set at MPI_Init when the node is oversubscribed or when the MCA parameter
   `mpi_yield_when_idle` says so. 1 (yields), 0 (does not), -1 (no such flag:
   not Open MPI). */
static inline int cmpi_openmpi_yields_when_idle(void) {
  bool *flag = (bool *)dlsym(RTLD_DEFAULT, "opal_progress_yield_when_idle");
  return flag == NULL ? -1 : (*flag ? 1 : 0);
}

#endif
