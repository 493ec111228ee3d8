/* libglobal.so: NEEDed by main (global scope). */
int shared_name(void) { return 1; } /* also defined by libplugin2.so */
