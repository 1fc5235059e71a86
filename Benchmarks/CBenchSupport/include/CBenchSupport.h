#ifndef CBENCHSUPPORT_H
#define CBENCHSUPPORT_H
#include <lua.h>
/* The peer of the bridge benchmark: a C function registered with Lua directly. */
int cbench_noop(lua_State *L);
/* The peer of the pattern benchmark: a table of Lua's own string.find, match, gmatch and
   gsub, which the engine's sandbox replaces with its own. */
int cbench_stock_patterns(lua_State *L);
#endif
