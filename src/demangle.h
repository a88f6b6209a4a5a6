/* demangle.h - readable C++ names for frames ("_ZL8transferP7AccountS0_" -> "transfer(Account*, Account*)"). */
#ifndef HOLDUP_DEMANGLE_H
#define HOLDUP_DEMANGLE_H

/* A malloc'd demangled copy of name when it is a mangled C++ name, else NULL. */
char *demangle_cxx(const char *name);

#endif
