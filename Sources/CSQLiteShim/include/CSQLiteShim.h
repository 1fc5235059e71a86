#ifndef CSQLITESHIM_H
#define CSQLITESHIM_H

/*
 * SQLite, loaded on first use. The binary does not link libsqlite3: only automated runs keep
 * guardrail state, so a `runbook run` never maps it, as it never maps libcurl or libxml2 without
 * a request (CCurlShim, CXMLShim). csqlite_load() opens Debian's runtime library (libsqlite3.so.0,
 * package libsqlite3-0) once and binds the functions below; every other csqlite_ function may be
 * called only after it succeeded.
 *
 * sqlite3.h (from libsqlite3-dev) gives the types and constants only: call SQLite through these
 * wrappers, never its own names, which would not link.
 */

#include <sqlite3.h>

/* The file name csqlite_load opens: the soname of Debian's libsqlite3-0. */
#define CSQLITE_LIBRARY "libsqlite3.so.0"
/* STRICT tables, which the guardrail store's schema uses, came with SQLite 3.37. */
#define CSQLITE_MINIMUM_VERSION 3037000

/*
 * Opens libsqlite3 and binds its functions, once per process; safe from any thread. NULL when
 * SQLite is ready, else why it is not, naming the package to install (the same text on every call).
 */
const char *csqlite_load(void);

int csqlite_open(const char *path, int flags, sqlite3 **database);
int csqlite_close(sqlite3 *database);
int csqlite_busy_timeout(sqlite3 *database, int milliseconds);
int csqlite_extended_result_codes(sqlite3 *database, int on);
/* Runs statements that take no parameters and return no rows, such as a schema. */
int csqlite_exec(sqlite3 *database, const char *sql);
const char *csqlite_errmsg(sqlite3 *database);
const char *csqlite_errstr(int code);
int csqlite_changes(sqlite3 *database);

int csqlite_prepare(sqlite3 *database, const char *sql, sqlite3_stmt **statement);
/* SQLite copies the text (SQLITE_TRANSIENT, a macro Swift cannot import). */
int csqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int bytes);
int csqlite_bind_int64(sqlite3_stmt *statement, int index, sqlite3_int64 value);
int csqlite_bind_double(sqlite3_stmt *statement, int index, double value);
int csqlite_bind_null(sqlite3_stmt *statement, int index);
int csqlite_step(sqlite3_stmt *statement);
int csqlite_finalize(sqlite3_stmt *statement);
int csqlite_column_count(sqlite3_stmt *statement);
int csqlite_column_type(sqlite3_stmt *statement, int column);
sqlite3_int64 csqlite_column_int64(sqlite3_stmt *statement, int column);
double csqlite_column_double(sqlite3_stmt *statement, int column);
const unsigned char *csqlite_column_text(sqlite3_stmt *statement, int column);
int csqlite_column_bytes(sqlite3_stmt *statement, int column);

#endif
