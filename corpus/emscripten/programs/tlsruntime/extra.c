/* libextra.so of the "tlsruntime" program: not prelinked, dlopen'ed from the embedded
 * file system by the glue's loader after the threads are joined; it reads and writes
 * main's thread-local variables (through GOT.mem entries the glue sets per thread). */
extern _Thread_local int main_tls;
extern _Thread_local char main_word[8];

int extra_get(void) { return main_tls; }
void extra_add(int v) { main_tls += v; }
const char *extra_word(void) { return main_word; }
