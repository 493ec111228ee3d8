// cxx: C++ across the module boundary (main + libzoo.so).
//   RTTI: dynamic_cast and typeid in both directions (classes defined in either module),
//   exceptions thrown in libzoo and caught in main (by exact type, by base class, int,
//   std::string), thrown in main and caught in libzoo, and thrown in main through a
//   libzoo frame (its local destructor runs) back into main; static constructors.
#include "zoo.h"

#include <cstdio>
#include <string>

const char *Bird::sound() const { return "tweet"; }
int Bird::legs() const { return 2; }

static int main_static_value;
namespace {
struct MainInit {
  MainInit() {
    main_static_value = 7;
    std::printf("main: static init\n");
  }
} main_init;
}  // namespace

static void throw_main_error(int v) { throw MainError{v}; }
static void no_throw(int) {}

// Main also throws and catches the kinds libzoo uses, so that its glue provides what
// libzoo's exception handling imports. In particular a call of signature
// (i32, i32, i32) -> i32 inside a try block gives main's glue the invoke_iiii wrapper
// libzoo's std::string code uses (a prelinked program can only import what main's
// glue has).
__attribute__((noinline)) int checked_sum(int a, int b, int c) {
  if (a + b + c < 0) throw std::out_of_range("negative sum");
  if (a + b + c == 0) throw std::string("zero sum");
  return a + b + c;
}

static int main_local_catch(int v) {
  try {
    return checked_sum(v, 1, 1);
  } catch (const std::exception &e) {
    return -1;
  } catch (const std::string &s) {
    return -2;
  }
}

int main() {
  std::printf("main: libzoo static count %d, main static %d\n", zoo_static_ready(), main_static_value);

  Animal *dog = zoo_make("dog");
  Animal *puppy = zoo_make("puppy");
  Bird bird;
  std::printf("sounds: %s %s %s, legs %d %d %d\n", dog->sound(), puppy->sound(), bird.sound(),
              dog->legs(), puppy->legs(), bird.legs());
  std::printf("main dynamic_cast<Dog*>(dog) %d, (puppy) %d, <Puppy*>(dog) %d, <Bird*>(dog) %d\n",
              dynamic_cast<Dog *>(dog) != nullptr, dynamic_cast<Dog *>(puppy) != nullptr,
              dynamic_cast<Puppy *>(dog) != nullptr, dynamic_cast<Bird *>(dog) != nullptr);
  std::printf("libzoo is_bird(bird) %d, is_bird(dog) %d, is_dog(puppy) %d, is_dog(bird) %d\n",
              zoo_is_bird(&bird), zoo_is_bird(dog), zoo_is_dog(puppy), zoo_is_dog(&bird));
  std::printf("typeid(*dog) == typeid(Dog) %d, zoo_dog_type() == typeid(Dog) %d, typeid(*puppy) == typeid(Dog) %d\n",
              typeid(*dog) == typeid(Dog), zoo_dog_type() == typeid(Dog), typeid(*puppy) == typeid(Dog));
  std::printf("type names: %s %s %s\n", zoo_type_name(dog), zoo_type_name(&bird), typeid(*puppy).name());

  for (int which = 0; which < 4; which++) {
    try {
      zoo_throw(which);
      std::printf("zoo_throw(%d) returned\n", which);
    } catch (const ZooError &e) {
      std::printf("main: caught ZooError \"%s\" code %d\n", e.what(), e.code);
    } catch (const std::exception &e) {
      std::printf("main: caught std::exception \"%s\"\n", e.what());
    } catch (int v) {
      std::printf("main: caught int %d\n", v);
    } catch (const std::string &s) {
      std::printf("main: caught std::string \"%s\"\n", s.c_str());
    }
  }

  std::printf("zoo_catch_main(throw) = %d\n", zoo_catch_main(throw_main_error, 9));
  std::printf("zoo_catch_main(no throw) = %d\n", zoo_catch_main(no_throw, 9));
  try {
    zoo_pass_through(throw_main_error, 5);
  } catch (const MainError &e) {
    std::printf("main: MainError %d came back through libzoo\n", e.value);
  }
  std::printf("main local catches %d %d %d\n", main_local_catch(1), main_local_catch(-5), main_local_catch(-2));

  delete dog;
  delete puppy;
  std::printf("main: done\n");
  return 0;
}
