// Types shared by the main module and libzoo.so of the "cxx" program.
#pragma once
#include <stdexcept>
#include <typeinfo>

// Animal's key function (its destructor) is in libzoo.so, so its vtable and
// type_info live there; Bird (main) and Dog (libzoo) derive from it.
struct Animal {
  virtual ~Animal();
  virtual const char *sound() const = 0;
  virtual int legs() const;
};

struct Dog : Animal {
  const char *sound() const override;
};

struct Puppy : Dog {
  const char *sound() const override;
};

struct Bird : Animal {  // defined in main.cpp
  const char *sound() const override;
  int legs() const override;
};

// Thrown by libzoo.so; its key function is there too.
struct ZooError : std::runtime_error {
  explicit ZooError(const char *what, int code);
  ~ZooError() override;
  int code;
};

// Thrown by the main module; only main.cpp defines its type_info.
struct MainError {
  int value;
};

Animal *zoo_make(const char *kind);
bool zoo_is_bird(const Animal *a);
bool zoo_is_dog(const Animal *a);
const std::type_info &zoo_dog_type();
const char *zoo_type_name(const Animal *a);
void zoo_throw(int which);
int zoo_catch_main(void (*callback)(int), int value);
void zoo_pass_through(void (*callback)(int), int value);
int zoo_static_ready();
