// dlopen of a prelinked library (answered inside the module) and of one that was not
// prelinked (the glue loads it at run time): symbols, function pointers and errors
// must agree between the two ways, and RTLD_DEFAULT must reach both.
#include <dlfcn.h>
#include <stdio.h>

int helper_add(int a, int b);
extern int helper_calls;

int main_twice(int x) { return 2 * x; }

int main(void) {
  printf("start: helper_add %d\n", helper_add(1, 2));

  void *plug = dlopen("libplug.so", RTLD_NOW);
  int (*plug_value)(void) = plug ? (int (*)(void))dlsym(plug, "plug_value") : 0;
  printf("plug: %d\n", plug_value ? plug_value() : -1);

  void *extra = dlopen("libextra.so", RTLD_NOW | RTLD_GLOBAL);
  if (!extra) {
    printf("extra: dlopen failed: %s\n", dlerror());
    return 1;
  }
  int (*extra_run)(int) = (int (*)(int))dlsym(extra, "extra_run");
  printf("extra_run(5): %d\n", extra_run ? extra_run(5) : -1);
  void *(*helper_ptr)(void) = (void *(*)(void))dlsym(extra, "extra_helper_ptr");
  printf("same helper_add pointer: %d\n", helper_ptr && helper_ptr() == (void *)helper_add);
  printf("missing symbol: %d (%s)\n", dlsym(extra, "no_such_symbol") == 0, dlerror());
  printf("RTLD_DEFAULT extra_run same: %d\n", dlsym(RTLD_DEFAULT, "extra_run") == (void *)extra_run);
  printf("RTLD_DEFAULT plug_value (RTLD_LOCAL): %d\n", dlsym(RTLD_DEFAULT, "plug_value") == 0);
  printf("helper_calls: %d\n", helper_calls);
  return 0;
}
