#ifndef CLUASHIM_H
#define CLUASHIM_H

/*
 * The C side of LuaKit's bridge. Lua raises errors and yields with longjmp, and a
 * longjmp must never cross a Swift frame (it leaks every object alive in the frame
 * and is undefined behaviour). So everything that may longjmp happens here, after
 * Swift has returned: Swift host functions report a status and this file raises or
 * yields for them. The rest of the file exists because Swift cannot call Lua's
 * function-like macros (lua_pop, lua_newtable, lua_upvalueindex, ...).
 */

#include <lua.h>
#include <lauxlib.h>
#include <stddef.h>
#include <stdint.h>

/* What a Swift host function returns instead of raising or yielding itself. */
#define CLUASHIM_RAISE (-1)   /* an error value is on the top of the stack */
#define CLUASHIM_SUSPEND (-2) /* the host registered a suspension; yield the thread */

/* Why a run-wide limit ended a run. Once set it stays set: every hook call raises. */
enum {
    CLUASHIM_TRIP_NONE = 0,
    CLUASHIM_TRIP_INSTRUCTIONS = 1,
    CLUASHIM_TRIP_DEADLINE = 2,
    CLUASHIM_TRIP_CANCEL = 3,
    CLUASHIM_TRIP_MEMORY = 4,
    CLUASHIM_TRIP_STACK = 5,
    CLUASHIM_TRIP_TASKS = 6,
};

typedef struct cluashim_thread cluashim_thread;

/* One per lua_State: the allocator's accounting and the run-wide limits. Owned by Swift. */
typedef struct cluashim_run {
    size_t used;              /* bytes Lua holds now */
    size_t peak;
    size_t limit;             /* 0: no memory cap */
    int relaxed;              /* > 0 while host code runs: allocations cannot fail */
    int denied;               /* the allocator refused a request at least once */
    int64_t budget;           /* instructions; 0: unlimited */
    int64_t executed;         /* instructions counted so far (to hook granularity) */
    int hook_interval;        /* instructions between hook calls */
    double deadline;          /* CLOCK_MONOTONIC seconds; 0: none */
    const volatile int32_t *cancel; /* set from any thread or a signal handler */
    int tripped;              /* CLUASHIM_TRIP_* */
    char trip_where[192];     /* "file:line: " where the limit tripped, kept for every re-raise */
    void *owner;              /* the Swift LuaState, unretained */
    cluashim_thread *threads; /* every thread record, freed by cluashim_close */
} cluashim_run;

/* Per coroutine (through lua_getextraspace): the deadline of its innermost step. */
struct cluashim_thread {
    cluashim_run *run;
    double deadline;          /* 0: none */
    int timed_out;            /* set by the hook or the scheduler; cleared by the host */
    cluashim_thread *next;
};

/* Seconds on CLOCK_MONOTONIC, the clock every deadline uses. */
double cluashim_monotonic(void);

/* A state whose allocator accounts into `run`, with its main thread's record set. */
lua_State *cluashim_newstate(cluashim_run *run);
/* Closes the state and frees the thread records. */
void cluashim_close(lua_State *L);

/* A new thread record, inheriting `parent`'s deadline; NULL when out of memory. */
cluashim_thread *cluashim_thread_new(cluashim_run *run, const cluashim_thread *parent);
cluashim_thread *cluashim_thread_of(lua_State *L);
void cluashim_thread_set(lua_State *L, cluashim_thread *thread);

/* Installs the count hook that enforces the limits on L and every thread it creates. */
void cluashim_install_hook(lua_State *L);

/* Host functions: a full userdata holding `function` (released by `release` on __gc). */
typedef int (*cluashim_dispatch_fn)(lua_State *L, void *function);
void cluashim_set_dispatch(cluashim_dispatch_fn dispatch, lua_CFunction release);
void cluashim_push_host_function(lua_State *L, void *function); /* [-0, +1, m] */
void *cluashim_host_function_box(lua_State *L, int index);

/* Text-only loading (binary chunks can crash the VM); sets the chunk's _ENV to the
   table at the top of the stack, which is popped. [-1, +1, -] */
int cluashim_load_text(lua_State *L, const char *text, size_t length, const char *chunkname);

/* lua_pcall with a message handler that appends a traceback. [-(n+1), +r|1, -] */
int cluashim_pcall_traceback(lua_State *L, int nargs, int nresults);

/* tostring() under lua_pcall, so a hostile __tostring cannot longjmp into Swift.
   Returns the string (pushed on the stack) or NULL (nothing pushed). */
const char *cluashim_tostring(lua_State *L, int index, size_t *length);

/* Opens base, string, table, math, utf8, coroutine into a fresh table and pushes it;
   string's find, match, gmatch and gsub are replaced by the ones below. */
int cluashim_open_libraries(lua_State *L);

/* The sandbox's pcall/xpcall/coroutine helpers, C functions with no Swift frames. */
int cluashim_lua_check_abort(lua_State *L);
int cluashim_lua_cocreate(lua_State *L);
int cluashim_lua_is_task(lua_State *L);

/* Records a task thread so coroutine.yield refuses to run on it. */
void cluashim_mark_task(lua_State *L, int is_task);

/* A message with the position of the nearest runbook (non-engine) frame. [-0, +1, m] */
void cluashim_push_where(lua_State *L, int level);

/* For C code that runs long without executing Lua instructions (the pattern matcher):
   the count hook's check of the run-wide limits and of the running step's timeout.
   Raises "<where>run stopped: ..." or "step timed out" exactly as the hook would; the
   step timeout only when the nearest Lua caller is runbook code. Call it only from C
   functions that Lua called, with no Swift frame in between. */
void cluashim_check_limits(lua_State *L);

/* Lua 5.4's string.find, match, gmatch and gsub, with backtracking the limits can stop
   (pattern.c). cluashim_open_libraries installs them in the string table. */
int cluashim_str_find(lua_State *L);
int cluashim_str_match(lua_State *L);
int cluashim_str_gmatch(lua_State *L);
int cluashim_str_gsub(lua_State *L);

/* Function-like macros Swift cannot see. */
static inline void cluashim_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void cluashim_newtable(lua_State *L) { lua_newtable(L); }
static inline int cluashim_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int cluashim_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline void cluashim_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline void cluashim_insert(lua_State *L, int index) { lua_insert(L, index); }
static inline void cluashim_remove(lua_State *L, int index) { lua_remove(L, index); }
static inline int cluashim_isinteger(lua_State *L, int index) { return lua_isinteger(L, index); }
static inline void cluashim_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }

/* The cancel flag is written from other threads; Swift has no C11 atomics on raw memory. */
static inline void cluashim_flag_raise(int32_t *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELAXED); }
static inline int cluashim_flag_get(const int32_t *flag) { return __atomic_load_n(flag, __ATOMIC_RELAXED); }

#endif
