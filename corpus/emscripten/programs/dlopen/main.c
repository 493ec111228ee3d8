/* dlopen: dlopen + dlsym of libplug.so, a library only dlopen'ed (embedded in the
 * program's file system with --embed-file; the second build of this program has no
 * file system copy, so a prelinked module must answer the dlopen itself).
 *   - libplug's constructor runs once, at the first dlopen, and reads main's data;
 *   - libplug NEEDs libhelper.so, which main loaded at start-up (not loaded again);
 *   - dlsym of a function and of data; dlsym of a missing symbol (dlerror's text);
 *   - dlopen of a library that exists nowhere fails (only that it failed is printed:
 *     the message may name host paths);
 *   - dlsym(RTLD_DEFAULT, ...) of a start-up library's function returns the same
 *     pointer as direct references (in libhelper and libplug: main never names
 *     helper_add, since emcc 3.1.6's dlsym fails on the JS stub its glue then has for
 *     it, see fnptr); libplug, opened RTLD_LOCAL, is not in the global scope. */
#include <dlfcn.h>
#include <stdio.h>

int plug_ctor_runs; /* incremented by libplug's constructor */
int main_offset(void) { return 1000; }

extern int helper_calls;
int helper_twice(int x);
int (*helper_self(void))(int, int);

typedef int (*entry_t)(int);
typedef int (*add_t)(int, int);

int main(void) {
  printf("start: helper_twice(1) = %d, plug ctor runs %d\n", helper_twice(1), plug_ctor_runs);
  void *h = dlopen("libplug.so", RTLD_NOW);
  printf("dlopen libplug.so: ok %d, ctor runs %d\n", h != NULL, plug_ctor_runs);
  if (!h) {
    printf("dlopen failed\n");
    return 1;
  }
  void *h2 = dlopen("libplug.so", RTLD_NOW);
  printf("dlopen again: same handle %d, ctor runs %d\n", h2 == h, plug_ctor_runs);

  entry_t entry = (entry_t)dlsym(h, "plug_entry");
  int *data = (int *)dlsym(h, "plug_data");
  int result = entry(5);
  printf("plug_entry(5) = %d, plug_data %d, helper_calls %d\n", result, *data, helper_calls);
  *data = 78;
  int (*read_data)(void) = (int (*)(void))dlsym(h, "plug_read_data");
  printf("plug_read_data() after main wrote 78: %d\n", read_data());
  add_t (*helper_ptr)(void) = (add_t(*)(void))dlsym(h, "plug_helper_ptr");
  printf("libplug's &helper_add same as libhelper's %d\n", helper_ptr() == helper_self());

  void *missing = dlsym(h, "plug_missing");
  printf("dlsym(plug_missing): null %d\n", missing == NULL);
  printf("dlerror: %s\n", dlerror());
  printf("dlerror again: null %d\n", dlerror() == NULL);

  void *none = dlopen("libnothere.so", RTLD_NOW);
  printf("dlopen libnothere.so: null %d, dlerror set %d\n", none == NULL, dlerror() != NULL);

  printf("dlsym(RTLD_DEFAULT, helper_add) same %d\n",
         dlsym(RTLD_DEFAULT, "helper_add") == (void *)helper_self());
  printf("dlsym(RTLD_DEFAULT, plug_entry) of an RTLD_LOCAL library: null %d\n",
         dlsym(RTLD_DEFAULT, "plug_entry") == NULL);
  printf("dlclose %d\n", dlclose(h2));
  return 0;
}
