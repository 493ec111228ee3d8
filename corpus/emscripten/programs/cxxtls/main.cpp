// cxxtls: a C++ thread_local object in libzoo.so (constructed on each thread's first
// use, destroyed when the thread exits; a std::string member) used by the main thread
// and 4 pthreads, whose own copies start afresh; main's own thread_local object too.
// Threads print in order (a turn counter); the constructor and destructor counts are
// printed after the joins.
#include <atomic>
#include <cstdio>
#include <pthread.h>
#include <string>

#define NTHREADS 4

extern "C" int zoo_use(int n);
extern std::atomic<int> zoo_ctors, zoo_dtors, zoo_dtor_uses;

static std::atomic<int> main_ctors{0};
struct Local {
  std::string s;
  Local() : s("local") { main_ctors++; }
};
thread_local Local local;

static std::atomic<long> turn{0};

static void *run(void *arg) {
  long id = (long)arg;
  int a = zoo_use((int)id + 1), b = zoo_use(1);
  local.s += std::to_string(id);
  while (turn.load() != id) {
  }
  std::printf("thread %ld: zoo_use %d then %d, local %s\n", id, a, b, local.s.c_str());
  turn.store(id + 1);
  return nullptr;
}

int main() {
  int first = zoo_use(5);
  std::printf("main: zoo_use %d, ctors %d, local %s\n", first, zoo_ctors.load(), local.s.c_str());
  pthread_t t[NTHREADS];
  for (long i = 0; i < NTHREADS; i++) pthread_create(&t[i], nullptr, run, (void *)i);
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], nullptr);
  std::printf("after joins: zoo ctors %d, dtors %d (uses %d), main ctors %d\n", zoo_ctors.load(), zoo_dtors.load(),
              zoo_dtor_uses.load(), main_ctors.load());
  int again = zoo_use(1);
  std::printf("main again: zoo_use %d, local %s\n", again, local.s.c_str());
  return 0;
}
