/* demangle.h - readable names for frames: C++ ("_ZL8transferP7AccountS0_" -> "transfer(Account*, Account*)") and Rust (legacy and v0). */
#ifndef HOLDUP_DEMANGLE_H
#define HOLDUP_DEMANGLE_H

/* Bounds on a Rust symbol (target data): its length, the name made of it, nesting, parse steps. */
#define DEMANGLE_IN_MAX		4096
#define DEMANGLE_OUT_MAX	4096
#define DEMANGLE_MAX_DEPTH	64
#define DEMANGLE_MAX_STEPS	20000

/* A malloc'd demangled copy of name when it is a mangled C++ name, else NULL. */
char *demangle_cxx(const char *name);
/* A malloc'd demangled copy of a Rust symbol: legacy ("_ZN...17h<hash>E", the hash dropped) or v0
 * ("_R...", crate disambiguators dropped, as rustc-demangle's alternate form); NULL when name is
 * neither, is malformed, or its name would exceed the bounds. */
char *demangle_rust(const char *name);
/* Rust first (a legacy Rust symbol is also a valid C++ name, hash and all), then C++; NULL if neither. */
char *demangle_name(const char *name);

#endif
