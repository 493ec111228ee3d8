// libzoo.so of the "cxxtls" program: a C++ thread_local object with a constructor and
// a destructor (run on each thread's first use and at its exit) holding a std::string.
#include <atomic>
#include <string>

std::atomic<int> zoo_ctors{0}, zoo_dtors{0}, zoo_dtor_uses{0};

struct Tracker {
  std::string name;
  int uses = 0;
  Tracker() : name("tracker") { zoo_ctors++; }
  ~Tracker() {
    zoo_dtors++;
    zoo_dtor_uses += uses;
  }
};
thread_local Tracker tracker;

extern "C" int zoo_use(int n) {
  tracker.uses += n;
  tracker.name += "+";
  return tracker.uses * 100 + (int)tracker.name.size();
}
