#include "CBenchSupport.h"
int cbench_noop(lua_State *L) { (void)L; return 0; }
