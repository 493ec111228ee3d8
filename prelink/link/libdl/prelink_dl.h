/* The dl table: the data prelink writes into a linked module for its in-module libdl
 * (prelink_dl.c). prelink lays it out byte for byte from this description (see
 * dltable.cpp); all fields are little-endian 32-bit. Pointers and data addresses are
 * link-time addresses and function values link-time table slots: in a bundle (prelink
 * --shared) the loader chooses the bases, so libdl adds the difference between where the
 * table is and where prelink put it (and likewise for its own dlopen's slot). In a fully
 * linked module both differences are 0. */
#ifndef PRELINK_DL_H
#define PRELINK_DL_H

#define PL_DL_MAGIC 0x4c444c50u /* "PLDL" */
#define PL_DL_VERSION 1u

/* pl_table.flags: which of the host's dl functions exist (the main module imported them). */
#define PL_HOST_DLOPEN 1u
#define PL_HOST_DLSYM 2u
#define PL_HOST_DLCLOSE 4u
#define PL_HOST_DLERROR 8u
#define PL_HOST_DLADDR 16u
#define PL_BUNDLE 32u /* the module is a bundle: the program's global scope is the host's */
#define PL_HOST_DLOPEN_ASYNC 64u /* emscripten: the glue's _emscripten_dlopen_js */

/* pl_sym.kind */
#define PL_SYM_FUNC 0u
#define PL_SYM_DATA 1u

/* pl_lib.flags */
#define PL_LIB_GLOBAL 1u   /* in the global scope: initialised at start-up */
#define PL_LIB_PSEUDO 2u   /* the handle of dlopen(NULL): the global scope */
#define PL_LIB_UNLOADABLE 4u /* needs what neither the bundle nor its host has: not ours to open */
#define PL_LIB_PROGRAM 8u    /* the main module or libdl itself: not a library a loader loads */

/* pl_lib.state (written at run time) */
#define PL_STATE_RTLD_GLOBAL 1u /* opened with RTLD_GLOBAL: joins the default scope */
#define PL_STATE_LOADED 2u      /* initialised; stays so (libraries are never unloaded) */

struct pl_sym {
  const char *name;
  unsigned value; /* data: address; function: table slot */
  unsigned kind;
};

struct pl_lib {
  const char *name;              /* install name */
  const char *const *aliases;    /* extra names (--dlopen-name) */
  unsigned naliases;
  const struct pl_sym *syms;     /* sorted by name (bytewise) */
  unsigned nsyms;
  const unsigned *scope;         /* lookup order for dlsym(handle): itself, then NEEDED breadth first */
  unsigned nscope;
  unsigned init_slot;            /* table slot of its init function, 0 if none */
  unsigned mem_base, mem_size;
  unsigned flags;
  unsigned refcount;             /* run time */
  unsigned state;                /* run time */
};

struct pl_table {
  unsigned magic, version, flags;
  unsigned nlibs;                /* libs[nlibs] is the global-scope pseudo library */
  struct pl_lib *libs;
  const unsigned *global_scope;  /* library indices, load order */
  unsigned nglobal;
  unsigned linked_self;          /* link-time address of this table */
  unsigned anchor_slot;          /* link-time table slot of libdl's dlopen */
};

#endif
