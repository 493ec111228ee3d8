/* libpdep.so: dlopen-only, NEEDed only by libplugin.so. */
int pdep_value = 7;
