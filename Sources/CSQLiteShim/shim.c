#include "CSQLiteShim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* SQLite's functions, bound by load(). */
static struct {
    __typeof__(sqlite3_libversion_number) *libversion_number;
    __typeof__(sqlite3_libversion) *libversion;
    __typeof__(sqlite3_open_v2) *open_v2;
    __typeof__(sqlite3_close_v2) *close_v2;
    __typeof__(sqlite3_busy_timeout) *busy_timeout;
    __typeof__(sqlite3_extended_result_codes) *extended_result_codes;
    __typeof__(sqlite3_exec) *exec;
    __typeof__(sqlite3_errmsg) *errmsg;
    __typeof__(sqlite3_errstr) *errstr;
    __typeof__(sqlite3_changes) *changes;
    __typeof__(sqlite3_prepare_v2) *prepare_v2;
    __typeof__(sqlite3_bind_text) *bind_text;
    __typeof__(sqlite3_bind_int64) *bind_int64;
    __typeof__(sqlite3_bind_double) *bind_double;
    __typeof__(sqlite3_bind_null) *bind_null;
    __typeof__(sqlite3_step) *step;
    __typeof__(sqlite3_finalize) *finalize;
    __typeof__(sqlite3_column_count) *column_count;
    __typeof__(sqlite3_column_type) *column_type;
    __typeof__(sqlite3_column_int64) *column_int64;
    __typeof__(sqlite3_column_double) *column_double;
    __typeof__(sqlite3_column_text) *column_text;
    __typeof__(sqlite3_column_bytes) *column_bytes;
} sqlite;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_failure[512];
static const char *load_error = "libsqlite3 was not loaded";

static void load(void) {
    const char *install = "install Debian's libsqlite3-0 (apt-get install libsqlite3-0)";
    void *library = dlopen(CSQLITE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(load_failure, sizeof load_failure, "libsqlite3 could not be loaded (%s); %s",
                 why ? why : CSQLITE_LIBRARY, install);
        load_error = load_failure;
        return;
    }
#define BIND(field, symbol)                                                                        \
    if ((*(void **)&sqlite.field = dlsym(library, #symbol)) == NULL) {                            \
        snprintf(load_failure, sizeof load_failure, "%s has no %s; %s", CSQLITE_LIBRARY, #symbol, \
                 install);                                                                         \
        load_error = load_failure;                                                                 \
        return;                                                                                    \
    }
    BIND(libversion_number, sqlite3_libversion_number)
    BIND(libversion, sqlite3_libversion)
    BIND(open_v2, sqlite3_open_v2)
    BIND(close_v2, sqlite3_close_v2)
    BIND(busy_timeout, sqlite3_busy_timeout)
    BIND(extended_result_codes, sqlite3_extended_result_codes)
    BIND(exec, sqlite3_exec)
    BIND(errmsg, sqlite3_errmsg)
    BIND(errstr, sqlite3_errstr)
    BIND(changes, sqlite3_changes)
    BIND(prepare_v2, sqlite3_prepare_v2)
    BIND(bind_text, sqlite3_bind_text)
    BIND(bind_int64, sqlite3_bind_int64)
    BIND(bind_double, sqlite3_bind_double)
    BIND(bind_null, sqlite3_bind_null)
    BIND(step, sqlite3_step)
    BIND(finalize, sqlite3_finalize)
    BIND(column_count, sqlite3_column_count)
    BIND(column_type, sqlite3_column_type)
    BIND(column_int64, sqlite3_column_int64)
    BIND(column_double, sqlite3_column_double)
    BIND(column_text, sqlite3_column_text)
    BIND(column_bytes, sqlite3_column_bytes)
#undef BIND
    if (sqlite.libversion_number() < CSQLITE_MINIMUM_VERSION) {
        snprintf(load_failure, sizeof load_failure,
                 "%s is SQLite %s; the guardrail store needs 3.37 or later", CSQLITE_LIBRARY,
                 sqlite.libversion());
        load_error = load_failure;
        return;
    }
    load_error = NULL;
}

const char *csqlite_load(void) {
    pthread_once(&load_once, load);
    return load_error;
}

int csqlite_open(const char *path, int flags, sqlite3 **database) {
    return sqlite.open_v2(path, database, flags, NULL);
}
int csqlite_close(sqlite3 *database) { return sqlite.close_v2(database); }
int csqlite_busy_timeout(sqlite3 *database, int milliseconds) {
    return sqlite.busy_timeout(database, milliseconds);
}
int csqlite_extended_result_codes(sqlite3 *database, int on) {
    return sqlite.extended_result_codes(database, on);
}
int csqlite_exec(sqlite3 *database, const char *sql) { return sqlite.exec(database, sql, NULL, NULL, NULL); }
const char *csqlite_errmsg(sqlite3 *database) { return sqlite.errmsg(database); }
const char *csqlite_errstr(int code) { return sqlite.errstr(code); }
int csqlite_changes(sqlite3 *database) { return sqlite.changes(database); }

int csqlite_prepare(sqlite3 *database, const char *sql, sqlite3_stmt **statement) {
    return sqlite.prepare_v2(database, sql, -1, statement, NULL);
}
int csqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int bytes) {
    return sqlite.bind_text(statement, index, text, bytes, SQLITE_TRANSIENT);
}
int csqlite_bind_int64(sqlite3_stmt *statement, int index, sqlite3_int64 value) {
    return sqlite.bind_int64(statement, index, value);
}
int csqlite_bind_double(sqlite3_stmt *statement, int index, double value) {
    return sqlite.bind_double(statement, index, value);
}
int csqlite_bind_null(sqlite3_stmt *statement, int index) { return sqlite.bind_null(statement, index); }
int csqlite_step(sqlite3_stmt *statement) { return sqlite.step(statement); }
int csqlite_finalize(sqlite3_stmt *statement) { return sqlite.finalize(statement); }
int csqlite_column_count(sqlite3_stmt *statement) { return sqlite.column_count(statement); }
int csqlite_column_type(sqlite3_stmt *statement, int column) { return sqlite.column_type(statement, column); }
sqlite3_int64 csqlite_column_int64(sqlite3_stmt *statement, int column) {
    return sqlite.column_int64(statement, column);
}
double csqlite_column_double(sqlite3_stmt *statement, int column) {
    return sqlite.column_double(statement, column);
}
const unsigned char *csqlite_column_text(sqlite3_stmt *statement, int column) {
    return sqlite.column_text(statement, column);
}
int csqlite_column_bytes(sqlite3_stmt *statement, int column) { return sqlite.column_bytes(statement, column); }
