/* liblate.so of the "dlsync" program: dlopen'ed by one pthread, used only there. */
int late_base = 7000;
int late_get(int x) { return late_base + x; }
