/* libstrong.so: strong definitions of symbols main defines weakly, a weak
 * definition nobody else has, and undefined weak references of its own. */

/* Strong, but main's weak definitions come first in load order and win. */
__attribute__((noinline)) int pick(void) { return 2; }
int weak_data = 20;

/* &pick in data goes through GOT.func.pick, which resolves to main's pick.
 * volatile keeps the compiler from turning the call through it into a direct one. */
int (*volatile strong_pick_ptr)(void) = pick;

int strong_call_pick_ptr(void) { return strong_pick_ptr(); }
/* A direct call inside the module is bound by wasm-ld to the module's own pick. */
int strong_call_pick_direct(void) { return pick(); }
/* weak_data is reached through GOT.mem.weak_data: main's object. */
int strong_read_weak_data(void) { return weak_data; }
void strong_set_weak_data(int v) { weak_data = v; }

/* A weak definition only this module has: wasm-ld calls it through an import
 * (env.side_weak_only) that must resolve back to this very definition. */
__attribute__((weak, noinline)) int side_weak_only(void) { return 30; }
int strong_call_weak_only(void) { return side_weak_only(); }

/* Undefined weak references: nobody defines these. */
extern int side_maybe(void) __attribute__((weak));
extern int side_maybe_data __attribute__((weak));
int strong_has_maybe(void) { return side_maybe != 0; }
int strong_call_maybe(void) { return side_maybe ? side_maybe() : -2; }
int strong_maybe_data_is_null(void) { return &side_maybe_data == 0; }
