#include "CBenchSupport.h"
#include <lualib.h>

int cbench_stock_patterns(lua_State *L) {
    static const char *const names[] = {"find", "match", "gmatch", "gsub"};
    /* luaopen_string also makes its new table the strings' __index; put the engine's back,
       so method calls keep meaning what they mean in a runbook. */
    lua_pushliteral(L, "");
    int had_metatable = lua_getmetatable(L, -1);
    luaopen_string(L);
    if (had_metatable) {
        lua_pushliteral(L, "");
        lua_pushvalue(L, -3);
        lua_setmetatable(L, -2);
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 4);
    for (int i = 0; i < 4; i++) {
        lua_getfield(L, -2, names[i]);
        lua_setfield(L, -2, names[i]);
    }
    return 1;
}
