// libzoo.so: classes, RTTI and exceptions on the side of the "cxx" program.
#include "zoo.h"

#include <cstdio>
#include <cstring>
#include <string>

Animal::~Animal() {}
int Animal::legs() const { return 4; }
const char *Dog::sound() const { return "woof"; }
const char *Puppy::sound() const { return "yip"; }

ZooError::ZooError(const char *what, int code) : std::runtime_error(what), code(code) {}
ZooError::~ZooError() {}

// A global object with a constructor that uses libc++ (std::string).
namespace {
struct Registry {
  std::string names;
  int count = 0;
  Registry() {
    names = "dog";
    names += ",puppy";
    count = 2;
    std::printf("libzoo: static init, %d kinds: %s\n", count, names.c_str());
  }
};
Registry registry;
}  // namespace

int zoo_static_ready() { return registry.count; }

Animal *zoo_make(const char *kind) {
  if (std::strcmp(kind, "dog") == 0) return new Dog;
  if (std::strcmp(kind, "puppy") == 0) return new Puppy;
  return nullptr;
}

bool zoo_is_bird(const Animal *a) { return dynamic_cast<const Bird *>(a) != nullptr; }
bool zoo_is_dog(const Animal *a) { return dynamic_cast<const Dog *>(a) != nullptr; }
const std::type_info &zoo_dog_type() { return typeid(Dog); }
const char *zoo_type_name(const Animal *a) { return typeid(*a).name(); }

void zoo_throw(int which) {
  switch (which) {
    case 0: throw ZooError("the zoo is closed", 17);
    case 1: throw std::out_of_range("cage index out of range");
    case 2: throw 42;
    default: throw std::string("a string from libzoo");
  }
}

// Calls back into main, which throws MainError; caught here by its type.
int zoo_catch_main(void (*callback)(int), int value) {
  try {
    callback(value);
  } catch (const MainError &e) {
    std::printf("libzoo: caught MainError %d\n", e.value);
    return e.value + 1;
  } catch (...) {
    std::printf("libzoo: caught something else\n");
    return -1;
  }
  std::printf("libzoo: nothing thrown\n");
  return 0;
}

// Lets whatever the callback throws propagate through a frame of this module,
// after running a destructor of a local object.
void zoo_pass_through(void (*callback)(int), int value) {
  struct Guard {
    ~Guard() { std::printf("libzoo: guard destroyed while unwinding\n"); }
  } guard;
  callback(value);
  std::printf("libzoo: callback returned\n");
}
