#define _GNU_SOURCE
#include "CLuaShim.h"

#include <string.h>

/*
 * string.find, string.match, string.gmatch and string.gsub with Lua 5.4's pattern
 * language (manual §6.4.1), results and error messages.
 *
 * Why not Lua's own: its matcher backtracks in C, where the count hook never runs, so
 * `("a"):rep(5000):find(("a*"):rep(80) .. "b")` ran past the deadline and ignored
 * cancellation. This one counts its steps and every POLL_STEPS of them asks
 * cluashim_check_limits whether the run may go on; the check raises when it may not.
 *
 * Written from the manual, with Lua's lstrlib.c read (not copied) for its corner cases,
 * and checked against Debian's lua5.4 (5.4.4) by the differential test in
 * Tests/LuaKitTests/PatternDifferentialTests.swift. Where 5.4.4
 * does something odd (a '$' that is not last is an ordinary character, a back-reference
 * to a position capture never matches, the character past the subject reads as '\0' for
 * %b and %f), this does the same, because runbooks written against Lua must not notice.
 *
 * Subjects and patterns are Lua strings, so a '\0' always follows their last byte; the
 * code reads that byte instead of testing bounds at the same places Lua does, which is
 * what makes "the character past the subject is '\0'" come out the same.
 */

/* Lua's LUA_MAXCAPTURES: %1..%9 reach the first nine, but 32 may exist. */
#define MAX_CAPTURES 32
/* Nesting of the recursive matcher before "pattern too complex"; Lua's MAXCCALLS. The
   error must trip at the same depth as Lua's, or the differential test would differ. */
#define MAX_DEPTH 200
/* Steps between two limit checks: a check costs a clock read, a step a few ns. */
#define POLL_STEPS 4096

enum { CAPTURE_OPEN = -1, CAPTURE_POSITION = -2 };

typedef struct matcher {
    const char *subject; /* the whole subject: positions count from here */
    const char *subject_end;
    const char *pattern; /* past a leading '^' anchor */
    const char *pattern_end;
    lua_State *L; /* the running thread, for errors and the limits of its step */
    int depth_left;
    int captures; /* open and closed */
    long steps_left;
    struct {
        const char *start;
        ptrdiff_t length; /* or CAPTURE_OPEN / CAPTURE_POSITION */
    } capture[MAX_CAPTURES];
} matcher;

/* Returns whether the pattern is anchored; gmatch, where '^' is an ordinary character
   in 5.4, passes may_anchor 0. */
static int matcher_init(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp, int may_anchor) {
    int anchored = may_anchor && *p == '^';
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern = anchored ? p + 1 : p;
    m->pattern_end = p + lp;
    m->L = L;
    m->depth_left = MAX_DEPTH;
    m->captures = 0;
    m->steps_left = POLL_STEPS;
    return anchored;
}

/* Before each attempt at a new start position. The depth is reset too: a limit or a
   pattern error raised mid-match leaves it wherever it was, and gmatch's state outlives
   a caught error. */
static void matcher_restart(matcher *m) {
    m->captures = 0;
    m->depth_left = MAX_DEPTH;
}

/* The only place the matcher can be stopped from outside. Out of line, so the inline
   fast path stays a decrement and a branch. */
static void __attribute__((noinline)) matcher_poll(matcher *m) {
    m->steps_left = POLL_STEPS;
    cluashim_check_limits(m->L);
}

static inline void tick(matcher *m, long steps) {
    m->steps_left -= steps;
    if (__builtin_expect(m->steps_left <= 0, 0)) matcher_poll(m);
}

/* ---- Character classes -------------------------------------------------------- */

/* Lua asks <ctype.h>, so its classes follow the C locale the engine runs in. A table
   of the C locale's classes gives the same answers without a locale lookup per byte,
   and cannot change if something in the process calls setlocale. */
enum {
    C_ALPHA = 1 << 0, C_CNTRL = 1 << 1, C_DIGIT = 1 << 2, C_GRAPH = 1 << 3, C_LOWER = 1 << 4,
    C_PUNCT = 1 << 5, C_SPACE = 1 << 6, C_UPPER = 1 << 7, C_XDIGIT = 1 << 8, C_ZERO = 1 << 9,
};

#define IS_LOWER(c) ((c) >= 'a' && (c) <= 'z')
#define IS_UPPER(c) ((c) >= 'A' && (c) <= 'Z')
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_GRAPH(c) ((c) >= 0x21 && (c) <= 0x7e)
#define CLASS_BITS(c)                                                                           \
    ((IS_LOWER(c) || IS_UPPER(c) ? C_ALPHA : 0) | ((c) < 0x20 || (c) == 0x7f ? C_CNTRL : 0) | \
     (IS_DIGIT(c) ? C_DIGIT : 0) | (IS_GRAPH(c) ? C_GRAPH : 0) | (IS_LOWER(c) ? C_LOWER : 0) | \
     (IS_GRAPH(c) && !IS_LOWER(c) && !IS_UPPER(c) && !IS_DIGIT(c) ? C_PUNCT : 0) |             \
     ((c) == ' ' || ((c) >= '\t' && (c) <= '\r') ? C_SPACE : 0) | (IS_UPPER(c) ? C_UPPER : 0) | \
     (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F') ? C_XDIGIT : 0) | \
     ((c) == 0 ? C_ZERO : 0))
#define ROW4(n) CLASS_BITS(n), CLASS_BITS((n) + 1), CLASS_BITS((n) + 2), CLASS_BITS((n) + 3)
#define ROW16(n) ROW4(n), ROW4((n) + 4), ROW4((n) + 8), ROW4((n) + 12)
#define ROW64(n) ROW16(n), ROW16((n) + 16), ROW16((n) + 32), ROW16((n) + 48)

static const unsigned short class_table[256] = {ROW64(0), ROW64(64), ROW64(128), ROW64(192)};

/* Does byte c belong to the class named by the letter after '%'? Any other character
   after '%' stands for itself ("%." is a dot). An upper-case letter is the complement. */
static int in_class(int c, int letter) {
    unsigned bits;
    /* `| 0x20` lower-cases exactly the ASCII letters into 'a'..'z'; nothing else lands there. */
    switch (letter | 0x20) {
    case 'a': bits = C_ALPHA; break;
    case 'c': bits = C_CNTRL; break;
    case 'd': bits = C_DIGIT; break;
    case 'g': bits = C_GRAPH; break;
    case 'l': bits = C_LOWER; break;
    case 'p': bits = C_PUNCT; break;
    case 's': bits = C_SPACE; break;
    case 'u': bits = C_UPPER; break;
    case 'w': bits = C_ALPHA | C_DIGIT; break;
    case 'x': bits = C_XDIGIT; break;
    case 'z': bits = C_ZERO; break; /* deprecated in 5.2 but still accepted by 5.4 */
    default: return letter == c;
    }
    int member = (class_table[c] & bits) != 0;
    return IS_LOWER(letter) ? member : !member;
}

/* Does c belong to the set [...] that runs from `open` (its '[') to `close` (its ']')? */
static int in_set(int c, const char *open, const char *close) {
    const char *p = open + 1;
    int negated = *p == '^';
    if (negated) p++;
    for (; p < close; p++) {
        if (*p == '%') {
            p++;
            if (in_class(c, (unsigned char)*p)) return !negated;
        } else if (p[1] == '-' && p + 2 < close) {
            /* a range; a '-' first, last, or right after a range is a plain member */
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return !negated;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return !negated;
        }
    }
    return negated;
}

/* Where the single-character item at p ends (its quantifier, if any, is there). */
static const char *item_end(matcher *m, const char *p) {
    switch (*p++) {
    case '%':
        if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    case '[':
        if (*p == '^') p++;
        /* The first member is taken as is, so "[]]" and "[^]]" are sets holding ']'. */
        do {
            if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*p++ == '%' && p < m->pattern_end) p++;
        } while (*p != ']');
        return p + 1;
    default:
        return p;
    }
}

/* Does the item from p to ep match the subject byte at s? Nothing matches past the end. */
static inline int item_matches(const matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return in_class(c, (unsigned char)p[1]);
    case '[': return in_set(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

/* ---- The matcher -------------------------------------------------------------- */

static const char *match_here(matcher *m, const char *s, const char *p);

/* %bxy at s: the shortest balanced x...y; the end of it or NULL. */
static const char *match_balanced(matcher *m, const char *s, const char *p) {
    if (p >= m->pattern_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (*s != *p) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    const char *start = s;
    while (++s < m->subject_end) {
        if (*s == close) {
            if (--depth == 0) break;
        } else if (*s == open) {
            depth++;
        }
    }
    tick(m, s - start);
    return s < m->subject_end ? s + 1 : NULL;
}

/* %1..%9 at s: the same bytes as that closed capture. */
static const char *match_backreference(matcher *m, const char *s, int digit) {
    int index = digit - '1';
    if (index < 0 || index >= m->captures || m->capture[index].length == CAPTURE_OPEN)
        luaL_error(m->L, "invalid capture index %%%d", index + 1);
    ptrdiff_t length = m->capture[index].length;
    /* A position capture has no text; Lua's size comparison fails for it, so must ours. */
    if (length < 0 || m->subject_end - s < length) return NULL;
    tick(m, length);
    return memcmp(m->capture[index].start, s, (size_t)length) == 0 ? s + length : NULL;
}

/* item* (and item+ after its first match): the longest run first, then shorter ones. */
static const char *match_greedy(matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t count = 0;
    while (item_matches(m, s + count, p, ep)) count++;
    tick(m, count);
    for (; count >= 0; count--) {
        const char *end = match_here(m, s + count, ep + 1);
        if (end) return end;
    }
    return NULL;
}

/* item-: the shortest run first, one more item at a time. */
static const char *match_lazy(matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *end = match_here(m, s, ep + 1);
        if (end) return end;
        if (!item_matches(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *open_capture(matcher *m, const char *s, const char *p, ptrdiff_t kind) {
    if (m->captures >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    int index = m->captures++;
    m->capture[index].start = s;
    m->capture[index].length = kind;
    const char *end = match_here(m, s, p);
    if (!end) m->captures--; /* backtracking forgets the capture */
    return end;
}

static const char *close_capture(matcher *m, const char *s, const char *p) {
    int index = m->captures - 1;
    while (index >= 0 && m->capture[index].length != CAPTURE_OPEN) index--;
    if (index < 0) luaL_error(m->L, "invalid pattern capture");
    m->capture[index].length = s - m->capture[index].start;
    const char *end = match_here(m, s, p);
    if (!end) m->capture[index].length = CAPTURE_OPEN; /* reopened for another attempt */
    return end;
}

/* Matches the pattern from p at subject position s: the end of the match, or NULL.
   Recursion happens only where Lua's matcher recurses (captures, quantified items that
   need a choice), so "pattern too complex" trips on the same patterns; every other
   item continues the loop. */
static const char *match_here(matcher *m, const char *s, const char *p) {
    if (m->depth_left-- == 0) luaL_error(m->L, "pattern too complex");
    tick(m, 1);
    while (p != m->pattern_end) {
        switch (*p) {
        case '(':
            s = p[1] == ')' ? open_capture(m, s, p + 2, CAPTURE_POSITION) : open_capture(m, s, p + 1, CAPTURE_OPEN);
            goto done;
        case ')':
            s = close_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 != m->pattern_end) break; /* not last: an ordinary character */
            if (s != m->subject_end) s = NULL;
            goto done;
        case '%':
            if (p[1] == 'b') {
                s = match_balanced(m, s, p + 2);
                if (!s) goto done;
                p += 4;
                continue;
            }
            if (p[1] == 'f') {
                p += 2;
                if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *ep = item_end(m, p);
                int before = s == m->subject ? 0 : (unsigned char)s[-1];
                if (in_set(before, p, ep - 1) || !in_set((unsigned char)*s, p, ep - 1)) {
                    s = NULL;
                    goto done;
                }
                p = ep;
                continue;
            }
            if (IS_DIGIT(p[1])) {
                s = match_backreference(m, s, (unsigned char)p[1]);
                if (!s) goto done;
                p += 2;
                continue;
            }
            break; /* a class such as %a: a single-character item */
        default:
            break;
        }
        const char *ep = item_end(m, p);
        if (!item_matches(m, s, p, ep)) {
            /* zero occurrences are fine for *, ? and -; the item is simply skipped */
            if (*ep == '*' || *ep == '?' || *ep == '-') {
                p = ep + 1;
                continue;
            }
            s = NULL;
            goto done;
        }
        switch (*ep) {
        case '?': {
            const char *end = match_here(m, s + 1, ep + 1);
            if (end) {
                s = end;
                goto done;
            }
            p = ep + 1;
            continue;
        }
        case '+':
            s = match_greedy(m, s + 1, p, ep);
            goto done;
        case '*':
            s = match_greedy(m, s, p, ep);
            goto done;
        case '-':
            s = match_lazy(m, s, p, ep);
            goto done;
        default:
            s++;
            p = ep;
            continue;
        }
    }
done:
    m->depth_left++;
    return s;
}

/* ---- Captures as Lua values --------------------------------------------------- */

/* Capture i: its text in *text and length, or CAPTURE_POSITION with the position pushed.
   With no captures, capture 0 is the whole match s..e. */
static ptrdiff_t get_capture(matcher *m, int i, const char *s, const char *e, const char **text) {
    if (i >= m->captures) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        *text = s;
        return e - s;
    }
    ptrdiff_t length = m->capture[i].length;
    *text = m->capture[i].start;
    if (length == CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (length == CAPTURE_POSITION) lua_pushinteger(m->L, (m->capture[i].start - m->subject) + 1);
    return length;
}

static void push_capture(matcher *m, int i, const char *s, const char *e) {
    const char *text;
    ptrdiff_t length = get_capture(m, i, s, e, &text);
    if (length != CAPTURE_POSITION) lua_pushlstring(m->L, text, (size_t)length);
}

/* Pushes every capture, or the whole match when there are none and s is given. */
static int push_captures(matcher *m, const char *s, const char *e) {
    int count = (m->captures == 0 && s) ? 1 : m->captures;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) push_capture(m, i, s, e);
    return count;
}

/* ---- The library functions ---------------------------------------------------- */

/* A 1-based init, negative from the end, clipped to 1 below; the 0-based offset. */
static size_t start_offset(lua_State *L, int arg, size_t length) {
    lua_Integer init = luaL_optinteger(L, arg, 1);
    if (init > 0) return (size_t)init - 1;
    if (init == 0 || init < -(lua_Integer)length) return 0;
    return length + (size_t)init;
}

/* No magic characters: find may search for the bytes as they are. */
static int is_plain(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++) {
        if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0') return 0;
    }
    return 1;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t offset = start_offset(L, 3, ls);
    if (offset > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || is_plain(p, lp))) {
        const char *hit = memmem(s + offset, ls - offset, p, lp);
        if (hit) {
            lua_pushinteger(L, (hit - s) + 1);
            lua_pushinteger(L, (lua_Integer)((size_t)(hit - s) + lp));
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    matcher m;
    int anchored = matcher_init(&m, L, s, ls, p, lp, 1);
    const char *start = s + offset;
    do {
        matcher_restart(&m);
        const char *end = match_here(&m, start, m.pattern);
        if (end) {
            if (!find) return push_captures(&m, start, end);
            lua_pushinteger(L, (start - s) + 1);
            lua_pushinteger(L, end - s);
            return push_captures(&m, NULL, NULL) + 2;
        }
    } while (start++ < m.subject_end && !anchored);
    luaL_pushfail(L);
    return 1;
}

int cluashim_str_find(lua_State *L) { return find_or_match(L, 1); }

int cluashim_str_match(lua_State *L) { return find_or_match(L, 0); }

/* gmatch's iterator state, a userdata kept alive by the iterator's upvalues along with
   the subject and the pattern it points into. */
typedef struct gmatch_state {
    const char *next;       /* where the next search starts */
    const char *last_end;   /* end of the last match: an empty match there is skipped */
    matcher m;
} gmatch_state;

static int gmatch_next(lua_State *L) {
    gmatch_state *g = (gmatch_state *)lua_touserdata(L, lua_upvalueindex(3));
    g->m.L = L; /* the iterator may be called from another coroutine than its maker */
    for (const char *start = g->next; start <= g->m.subject_end; start++) {
        matcher_restart(&g->m);
        const char *end = match_here(&g->m, start, g->m.pattern);
        if (end && end != g->last_end) {
            g->next = g->last_end = end;
            return push_captures(&g->m, start, end);
        }
    }
    return 0;
}

/* In 5.4 a leading '^' is not an anchor here: it is an ordinary character. */
int cluashim_str_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t offset = start_offset(L, 3, ls);
    lua_settop(L, 2);
    gmatch_state *g = (gmatch_state *)lua_newuserdatauv(L, sizeof *g, 0);
    if (offset > ls) offset = ls + 1; /* past the end: the iterator finds nothing */
    matcher_init(&g->m, L, s, ls, p, lp, 0);
    g->next = s + offset;
    g->last_end = NULL;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

/* A string replacement: %0-%9 are captures, %% a percent sign. */
static void add_template(matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t length;
    const char *text = lua_tolstring(L, 3, &length);
    const char *percent;
    while ((percent = memchr(text, '%', length)) != NULL) {
        luaL_addlstring(b, text, (size_t)(percent - text));
        /* the byte after a final '%' is the string's terminating '\0': an invalid use */
        int c = (unsigned char)percent[1];
        if (c == '%') {
            luaL_addchar(b, '%');
        } else if (c == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (IS_DIGIT(c)) {
            const char *capture;
            ptrdiff_t captured = get_capture(m, c - '1', s, e, &capture);
            if (captured == CAPTURE_POSITION) luaL_addvalue(b); /* the pushed position */
            else luaL_addlstring(b, capture, (size_t)captured);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", '%');
        }
        length -= (size_t)(percent + 2 - text);
        text = percent + 2;
    }
    luaL_addlstring(b, text, length);
}

/* Appends the replacement of the match s..e; false when it kept the original text
   (a function or table gave nil or false), so gsub can return its subject unchanged. */
static int add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int type) {
    lua_State *L = m->L;
    if (type == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int count = push_captures(m, s, e);
        lua_call(L, count, 1);
    } else if (type == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_template(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

int cluashim_str_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int type = lua_type(L, 3);
    lua_Integer limit = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION || type == LUA_TTABLE,
                     3, "string/function/table");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    matcher m;
    int anchored = matcher_init(&m, L, s, ls, p, lp, 1);
    const char *at = s, *last_end = NULL;
    lua_Integer count = 0;
    int changed = 0;
    while (count < limit) {
        matcher_restart(&m);
        const char *end = match_here(&m, at, m.pattern);
        if (end && end != last_end) {
            count++;
            changed |= add_replacement(&m, &b, at, end, type);
            at = last_end = end;
        } else if (at < m.subject_end) {
            luaL_addchar(&b, *at++);
        } else {
            break;
        }
        if (anchored) break;
    }
    if (changed) {
        luaL_addlstring(&b, at, (size_t)(m.subject_end - at));
        luaL_pushresult(&b);
    } else {
        lua_pushvalue(L, 1); /* nothing replaced: the very same string */
    }
    lua_pushinteger(L, count);
    return 2;
}
