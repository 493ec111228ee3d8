/* libbase.so: NEEDed by main, so it is prelinked and in the global scope. The
 * runtime-loaded libextra.so NEEDs it too: the runtime must take it from the linked
 * module (its symbols from the manifest), not load a second copy. */
int base_counter;          /* libextra's constructor increments it (GOT.mem) */
int base_scale(int x) { return 10 * x; }  /* called directly by libextra (env import) */
/* Nobody in the prelinked program takes its address, so it has no table slot in the
 * manifest (table_slot null): the runtime must give it one for libextra's GOT.func. */
int base_twice(int x) { return 2 * x; }
int base_get_counter(void) { return base_counter; }
