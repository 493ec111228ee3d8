/* libglobal.so: NEEDed by main (global scope). Records the order in which the
 * constructors of the dlopen-only libraries run: each appends its digit. */
#include "host.h"

int ctor_trace;
int global_ctor_runs;

void note_ctor(int id) { ctor_trace = ctor_trace * 10 + id; }

__attribute__((constructor)) static void global_init(void) {
  global_ctor_runs++;
  log_str("global constructor");
}
