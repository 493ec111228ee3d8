/* libgreet.so: a side module with data of its own. */
#include "host.h"

static const char *greeting = "hello from libgreet";
int greetings;

int greet(const char *who) {
  log_str(greeting);
  log_str(who);
  return ++greetings;
}
