#ifndef CLUA_SHIM_H
#define CLUA_SHIM_H
/* pkg-config lua5.4 adds -I/usr/include/lua5.4, so the plain names resolve. */
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#endif
