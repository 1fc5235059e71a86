#ifndef CBENCHSUPPORT_H
#define CBENCHSUPPORT_H
#include <lua.h>
/* The peer of the bridge benchmark: a C function registered with Lua directly. */
int cbench_noop(lua_State *L);
#endif
