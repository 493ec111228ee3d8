// dlopen-only and prelinked: dlopen answers it from the module.
int helper_add(int a, int b);

int plug_value(void) { return helper_add(40, 2); }
