#define _GNU_SOURCE
#include "CLuaShim.h"

#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Source names of chunks the engine itself loads start with '='; runbook files with '@'. */

/* The chunk name of the sandbox's guards (SandboxPolicy.prelude in LuaSandbox.swift). */
#define SANDBOX_CHUNK "=[sandbox]"

double cluashim_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- Allocator ---------------------------------------------------------------- */

static void *cluashim_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    cluashim_run *run = (cluashim_run *)ud;
    size_t old = ptr ? osize : 0; /* for new blocks osize is a type tag */
    if (nsize == 0) {
        free(ptr);
        run->used -= old;
        return NULL;
    }
    if (nsize > old && run->limit > 0 && run->relaxed == 0 && run->used - old + nsize > run->limit) {
        run->denied = 1;
        return NULL; /* Lua collects garbage and retries once, then raises LUA_ERRMEM */
    }
    void *block = realloc(ptr, nsize);
    if (block == NULL) {
        if (nsize <= old) return ptr; /* Lua assumes shrinking never fails */
        return NULL;
    }
    run->used = run->used - old + nsize;
    if (run->used > run->peak) run->peak = run->used;
    return block;
}

static int cluashim_panic(lua_State *L) {
    const char *message = lua_tostring(L, -1);
    fprintf(stderr, "runbook: unprotected Lua error (this is a bug in the engine): %s\n",
            message ? message : "(not a string)");
    abort();
}

static cluashim_thread **extraspace(lua_State *L) {
    return (cluashim_thread **)lua_getextraspace(L);
}

cluashim_thread *cluashim_thread_new(cluashim_run *run, const cluashim_thread *parent) {
    cluashim_thread *thread = calloc(1, sizeof *thread);
    if (thread == NULL) return NULL;
    thread->run = run;
    thread->deadline = parent ? parent->deadline : 0;
    thread->next = run->threads;
    run->threads = thread;
    return thread;
}

cluashim_thread *cluashim_thread_of(lua_State *L) { return *extraspace(L); }

void cluashim_thread_set(lua_State *L, cluashim_thread *thread) { *extraspace(L) = thread; }

lua_State *cluashim_newstate(cluashim_run *run) {
    cluashim_thread *root = cluashim_thread_new(run, NULL);
    if (root == NULL) return NULL;
    lua_State *L = lua_newstate(cluashim_alloc, run);
    if (L == NULL) return NULL;
    lua_atpanic(L, cluashim_panic);
    cluashim_thread_set(L, root);
    return L;
}

void cluashim_close(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    cluashim_run *run = (cluashim_run *)ud;
    lua_close(L);
    cluashim_thread *thread = run->threads;
    while (thread) {
        cluashim_thread *next = thread->next;
        free(thread);
        thread = next;
    }
    run->threads = NULL;
}

/* ---- Positions ---------------------------------------------------------------- */

void cluashim_push_where(lua_State *L, int level) {
    lua_Debug ar;
    for (int depth = 0; depth < 64 && lua_getstack(L, level, &ar); depth++, level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 && ar.source[0] == '@') {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}

/* Raises the value on the top; a string gets the runbook position in front of it. */
static int raise_top(lua_State *L, int level) {
    if (lua_type(L, -1) == LUA_TSTRING) {
        cluashim_push_where(L, level);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

/* ---- Limits hook -------------------------------------------------------------- */

static const char *trip_message(int trip) {
    switch (trip) {
    case CLUASHIM_TRIP_INSTRUCTIONS: return "run stopped: instruction budget exhausted";
    case CLUASHIM_TRIP_DEADLINE: return "run stopped: deadline passed";
    case CLUASHIM_TRIP_CANCEL: return "run stopped: cancelled";
    case CLUASHIM_TRIP_MEMORY: return "run stopped: memory limit reached";
    case CLUASHIM_TRIP_STACK: return "run stopped: stack overflow";
    case CLUASHIM_TRIP_TASKS: return "run stopped: too many concurrent tasks";
    default: return "run stopped";
    }
}

static void cluashim_hook(lua_State *L, lua_Debug *ar);

/* The run-wide half of every limits check, shared by the count hook and the pattern
   matcher: counts `instructions` against the budget, reads the cancel flag and the
   clocks, and raises once the run has tripped. Returns the running thread's record
   when the run may go on; a step timeout is only marked here, since whether it may
   interrupt depends on whose code is running, which each caller knows best. */
static cluashim_thread *enforce_run_limits(lua_State *L, int64_t instructions) {
    cluashim_thread *thread = cluashim_thread_of(L);
    cluashim_run *run = thread->run;
    int was_tripped = run->tripped != CLUASHIM_TRIP_NONE;
    if (!was_tripped) {
        run->executed += instructions;
        if (run->budget > 0 && run->executed >= run->budget) {
            run->tripped = CLUASHIM_TRIP_INSTRUCTIONS;
        } else if (run->cancel && __atomic_load_n(run->cancel, __ATOMIC_RELAXED)) {
            run->tripped = CLUASHIM_TRIP_CANCEL;
        } else if (run->deadline > 0 || thread->deadline > 0) {
            double now = cluashim_monotonic();
            if (run->deadline > 0 && now >= run->deadline) run->tripped = CLUASHIM_TRIP_DEADLINE;
            else if (thread->deadline > 0 && now >= thread->deadline) thread->timed_out = 1;
        }
    }
    if (run->tripped == CLUASHIM_TRIP_NONE) return thread;
    if (!was_tripped) {
        /* Every later raise happens wherever the unwinding is; the message keeps the
           line where the limit actually tripped. */
        cluashim_push_where(L, 0);
        snprintf(run->trip_where, sizeof run->trip_where, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    /* The Redis trick: from now on every instruction raises, so no pcall can absorb it. */
    lua_sethook(L, cluashim_hook, LUA_MASKCOUNT, 1);
    lua_pushfstring(L, "%s%s", run->trip_where, trip_message(run->tripped));
    lua_error(L);
    return NULL; /* not reached */
}

static int raise_step_timeout(lua_State *L) {
    lua_pushliteral(L, "step timed out");
    return raise_top(L, 0);
}

static void cluashim_hook(lua_State *L, lua_Debug *ar) {
    cluashim_thread *thread = enforce_run_limits(L, cluashim_thread_of(L)->run->hook_interval);
    /* A step timeout interrupts runbook code only: engine code ('=' chunks) between a
       step's pcall and its bookkeeping must run to record the timeout. */
    if (thread->timed_out && lua_getinfo(L, "S", ar) && ar->source[0] != '=') raise_step_timeout(L);
}

void cluashim_check_limits(lua_State *L) {
    cluashim_thread *thread = enforce_run_limits(L, 0);
    if (!thread->timed_out) return;
    /* By the hook's rule a step timeout stops runbook code, not engine code. Whose call
       this is shows in the nearest Lua frame up the stack, passing over C frames and the
       sandbox's wrappers (its pcall is a Lua function calling the real one), which only
       pass calls through: pcall(string.find, ...) in a step is the runbook's call. */
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "S", &ar)) break;
        if (ar.what[0] == 'C' || strcmp(ar.source, SANDBOX_CHUNK) == 0) continue;
        if (ar.source[0] != '=') raise_step_timeout(L);
        break;
    }
}

void cluashim_install_hook(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    cluashim_run *run = (cluashim_run *)ud;
    if (run->hook_interval <= 0) run->hook_interval = 1000;
    lua_sethook(L, cluashim_hook, LUA_MASKCOUNT, run->hook_interval);
}

/* ---- Host functions and the trampoline ---------------------------------------- */

static cluashim_dispatch_fn g_dispatch;
static lua_CFunction g_release;
static const char *const HOSTFN_META = "cluashim.hostfn";

void cluashim_set_dispatch(cluashim_dispatch_fn dispatch, lua_CFunction release) {
    g_dispatch = dispatch;
    g_release = release;
}

/* A suspended host call resumes here: its resume values are (true, results...) or
   (false, error). The stack below `base` is the call's own arguments. */
static int resume_continuation(lua_State *L, int status, lua_KContext context) {
    (void)status;
    int base = (int)context;
    if (lua_toboolean(L, base + 1)) return lua_gettop(L) - (base + 1);
    lua_settop(L, base + 2);
    return raise_top(L, 1);
}

static int host_trampoline(lua_State *L) {
    void *function = *(void **)lua_touserdata(L, lua_upvalueindex(1));
    cluashim_run *run = cluashim_thread_of(L)->run;
    run->relaxed++;
    int result = g_dispatch(L, function); /* Swift runs here and never longjmps */
    run->relaxed--;
    if (result >= 0) return result;
    if (result == CLUASHIM_SUSPEND) {
        int base = lua_gettop(L);
        return lua_yieldk(L, 0, (lua_KContext)base, resume_continuation);
    }
    return raise_top(L, 1);
}

void cluashim_push_host_function(lua_State *L, void *function) {
    void **box = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
    *box = function;
    if (luaL_newmetatable(L, HOSTFN_META)) {
        lua_pushcfunction(L, g_release);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, host_trampoline, 1);
}

void *cluashim_host_function_box(lua_State *L, int index) {
    void **box = (void **)luaL_testudata(L, index, HOSTFN_META);
    return box ? *box : NULL;
}

/* ---- Loading and protected calls ---------------------------------------------- */

int cluashim_load_text(lua_State *L, const char *text, size_t length, const char *chunkname) {
    int status = luaL_loadbufferx(L, text, length, chunkname, "t");
    if (status != LUA_OK) {
        lua_remove(L, -2); /* the environment */
        return status;
    }
    lua_insert(L, -2);
    lua_setupvalue(L, -2, 1); /* a main chunk's first upvalue is _ENV */
    return LUA_OK;
}

/* Message handlers run while Lua is raising, and after the limits hook has raised they
   run with hooks off: Lua code here could loop forever unchecked. So no __tostring is
   called; a non-string error object is passed through and converted later, under
   cluashim_tostring with the hook back in force. */
static int traceback_handler(lua_State *L) {
    const char *message = lua_tostring(L, 1);
    if (message == NULL) return 1;
    luaL_traceback(L, L, message, 1);
    return 1;
}

int cluashim_pcall_traceback(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback_handler);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

static int tostring_body(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

const char *cluashim_tostring(lua_State *L, int index, size_t *length) {
    index = lua_absindex(L, index);
    lua_pushcfunction(L, tostring_body);
    lua_pushvalue(L, index);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        return NULL;
    }
    return lua_tolstring(L, -1, length);
}

int cluashim_open_libraries(lua_State *L) {
    static const luaL_Reg libraries[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_OSLIBNAME, luaopen_os},     {NULL, NULL},
    };
    for (const luaL_Reg *lib = libraries; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    /* string.dump is reachable as ("").dump through the shared string metatable. */
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    /* The pattern functions whose backtracking the limits reach (pattern.c). This table
       is also the string metatable's __index, so ("x"):find is ours too. */
    static const luaL_Reg patterns[] = {
        {"find", cluashim_str_find},     {"match", cluashim_str_match},
        {"gmatch", cluashim_str_gmatch}, {"gsub", cluashim_str_gsub},
        {NULL, NULL},
    };
    luaL_setfuncs(L, patterns, 0);
    lua_pop(L, 1);
    /* Lock the string metatable: getmetatable("") returns false, setmetatable refuses. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 0;
}

/* ---- Sandbox helpers (C functions: they may raise freely) ---------------------- */

static int ends_with(const char *s, size_t n, const char *suffix) {
    size_t m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* check(ok, ...): what the sandbox's pcall, xpcall and coroutine.resume return through.
   A run-wide stop or a step timeout is re-raised so a runbook cannot swallow it. */
int cluashim_lua_check_abort(lua_State *L) {
    if (lua_toboolean(L, 1)) return lua_gettop(L);
    cluashim_thread *thread = cluashim_thread_of(L);
    cluashim_run *run = thread->run;
    if (run->tripped == CLUASHIM_TRIP_NONE && lua_type(L, 2) == LUA_TSTRING) {
        size_t n = 0;
        const char *message = lua_tolstring(L, 2, &n);
        if (run->denied && strcmp(message, "not enough memory") == 0) run->tripped = CLUASHIM_TRIP_MEMORY;
        else if (ends_with(message, n, "stack overflow")) run->tripped = CLUASHIM_TRIP_STACK;
    }
    if (run->tripped != CLUASHIM_TRIP_NONE || thread->timed_out) {
        lua_settop(L, 2);
        return lua_error(L);
    }
    return lua_gettop(L);
}

/* coroutine.create that gives the new coroutine its creator's limits record, so a
   step's deadline also covers coroutines made inside the step. */
int cluashim_lua_cocreate(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    cluashim_thread_set(co, cluashim_thread_of(L));
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    return 1;
}

/* The registry table of scheduler tasks, keyed by this variable's address. */
static const char TASKS_KEY = 0;

void cluashim_mark_task(lua_State *L, int is_task) {
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &TASKS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &TASKS_KEY);
    }
    lua_pushthread(L);
    if (is_task) lua_pushboolean(L, 1);
    else lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* is_task([co]): true when `co` (default: the running thread) is a scheduler task or the
   main thread. Only the scheduler may yield or resume those. */
int cluashim_lua_is_task(lua_State *L) {
    lua_State *co = lua_isthread(L, 1) ? lua_tothread(L, 1) : L;
    int found = 0;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &TASKS_KEY) == LUA_TTABLE) {
        if (co == L) lua_pushthread(L);
        else lua_pushvalue(L, 1);
        found = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    int is_main = lua_tothread(L, -1) == co;
    lua_pop(L, 1);
    lua_pushboolean(L, found || is_main);
    return 1;
}
