/* test_demangle.c - Rust symbol demangling (legacy and v0) against names rustc and binutils give, and its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demangle.h"
#include "util.h"

/* Symbols of rustc 1.95 builds (-C symbol-mangling-version=v0 and the legacy default) and their
 * names as binutils 2.40's c++filt gives them, with the crate disambiguators ("[1a2b]"), legacy
 * hashes and the ": usize" of const args dropped (rustc-demangle's alternate form). */
static const struct { const char *sym, *want; } pairs[] = {
	{ "_RINvCs9a6lOZnCSwc_2dm3genKj4_EB2_",
	  "dm::gen::<4>" },
	{ "_RINvMs2_NtCsgEmfK2I1SDS_4core3fmtNtB6_9Arguments3newKja_Kj3_ECs9a6lOZnCSwc_2dm",
	  "<core::fmt::Arguments>::new::<10, 3>" },
	{ "_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCslNYArtu3iFV_5alloc5boxed3BoxDG0_INtNtNtB4_3ops8function2FnTRL1_INtNtCsjrHSEGnQ3l9_3std5panic13PanicHookInfoL0_EEEp6OutputuNtNtB4_6marker4SyncNtB2N_4SendEL_EEB1T_",
	  "core::ptr::drop_in_place::<alloc::boxed::Box<dyn for<'a, 'b> core::ops::function::Fn<(&'a std::panic::PanicHookInfo<'b>,), Output = ()> + core::marker::Sync + core::marker::Send>>" },
	{ "_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCslNYArtu3iFV_5alloc5boxed3BoxDINtNtNtB4_3ops8function2FnuEp6OutputmNtNtB4_6marker4SendEL_EECs9a6lOZnCSwc_2dm",
	  "core::ptr::drop_in_place::<alloc::boxed::Box<dyn core::ops::function::Fn<(), Output = u32> + core::marker::Send>>" },
	{ "_RINvNtNtCsjrHSEGnQ3l9_3std3sys9backtrace28___rust_begin_short_backtraceFEuuECs9a6lOZnCSwc_2dm",
	  "std::sys::backtrace::__rust_begin_short_backtrace::<fn(), ()>" },
	{ "_RNCINvNtCsjrHSEGnQ3l9_3std2rt10lang_startuE0Cs9a6lOZnCSwc_2dm",
	  "std::rt::lang_start::<()>::{closure#0}" },
	{ "_RNCNvCs9a6lOZnCSwc_2dm4main0B3_",
	  "dm::main::{closure#0}" },
	{ "_RNCNvCs9a6lOZnCSwc_2dm4mains0_0B3_",
	  "dm::main::{closure#2}" },
	{ "_RNCNCNCNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal00s_0B9_",
	  "std::rt::lang_start_internal::{closure#0}::{closure#0}::{closure#1}" },
	{ "_RNSNvYNCNvCs9a6lOZnCSwc_2dm4main0INtNtNtCsgEmfK2I1SDS_4core3ops8function6FnOnceTlEE9call_once6vtableB8_",
	  "<dm::main::{closure#0} as core::ops::function::FnOnce<(i32,)>>::call_once::{shim:vtable#0}" },
	{ "_RNSNvYNCNvNtNtCsjrHSEGnQ3l9_3std3sys9backtrace10__print_fmt0INtNtNtCsgEmfK2I1SDS_4core3ops8function6FnOnceTQNtNtB13_3fmt9FormatterNtNtNtBc_12backtrace_rs5types17BytesOrWideStringEE9call_once6vtableBc_",
	  "<std::sys::backtrace::_print_fmt::{closure#0} as core::ops::function::FnOnce<(&mut core::fmt::Formatter, std::backtrace_rs::types::BytesOrWideString)>>::call_once::{shim:vtable#0}" },
	{ "_RNvCs9a6lOZnCSwc_2dmu8gdel_5qa",
	  "dm::gödel" },
	{ "_RNvMNtCsgEmfK2I1SDS_4core3stre3lenCs9a6lOZnCSwc_2dm",
	  "<str>::len" },
	{ "_RNvMs3_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVecPaE8grow_oneCsjrHSEGnQ3l9_3std",
	  "<alloc::raw_vec::RawVec<*const i8>>::grow_one" },
	{ "_RNvMs3_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVecTOhFUKCBN_EuENtNtCsjrHSEGnQ3l9_3std5alloc6SystemE8grow_oneB13_",
	  "<alloc::raw_vec::RawVec<(*mut u8, unsafe extern \"C\" fn(*mut u8)), std::alloc::System>>::grow_one" },
	{ "_RNvMs_Cs9a6lOZnCSwc_2dmINtB4_1ShE3newB4_",
	  "<dm::S<u8>>::new" },
	{ "_RNvMNtNtNtNtCsjrHSEGnQ3l9_3std3sys4sync5mutex5futexNtB2_5Mutex14lock_contended",
	  "<std::sys::sync::mutex::futex::Mutex>::lock_contended" },
	{ "_ZN2dm10S$LT$T$GT$3new17h372480ecb08f1c23E",
	  "dm::S<T>::new" },
	{ "_ZN2dm4main28_$u7b$$u7b$closure$u7d$$u7d$17h37f90640e5c5fadbE",
	  "dm::main::{{closure}}" },
	{ "_ZN2dm4main28_$u7b$$u7b$closure$u7d$$u7d$17ha5aeb834fb54a1daE",
	  "dm::main::{{closure}}" },
	{ "_ZN2dm4main28_$u7b$$u7b$closure$u7d$$u7d$17hc885325927cc5dfaE",
	  "dm::main::{{closure}}" },
	{ "_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h66c6afe8b9d3dac1E",
	  "std::rt::lang_start::{{closure}}" },
	{ "_ZN41_$LT$dm..S$LT$T$GT$$u20$as$u20$dm..Tr$GT$2go17hdf10de9464329b22E",
	  "<dm::S<T> as dm::Tr>::go" },
	{ "_ZN4core3ptr145drop_in_place$LT$alloc..boxed..Box$LT$dyn$u20$core..ops..function..Fn$LT$$LP$$RP$$GT$$u2b$Output$u20$$u3d$$u20$u32$u2b$core..marker..Send$GT$$GT$17h8a1c4270111b8e3eE",
	  "core::ptr::drop_in_place<alloc::boxed::Box<dyn core::ops::function::Fn<()>+Output = u32+core::marker::Send>>" },
	{ "_ZN4core3ptr8non_null16NonNull$LT$T$GT$13new_unchecked18precondition_check17h72086803155d8e96E",
	  "core::ptr::non_null::NonNull<T>::new_unchecked::precondition_check" },
	/* punycode and legacy escapes of non-ASCII names decode to UTF-8 */
	{ "_ZN2dm9g$uf6$del17hf95bb57366e3e925E", "dm::g\xc3\xb6" "del" },
	/* a compiler suffix after the name */
	{ "_ZN3foo3bar17h0123456789abcdefE.llvm.123", "foo::bar" },
	{ "_RNvCs1234_7mycrate3foo.llvm.77", "mycrate::foo" },
};

static void
test_pairs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		char *d = demangle_rust(pairs[i].sym), *n = demangle_name(pairs[i].sym);

		if (d == NULL || strcmp(d, pairs[i].want) != 0)
			fail_msg("%s: got %s, want %s", pairs[i].sym, d ? d : "(null)", pairs[i].want);
		assert_string_equal(n, pairs[i].want);
		free(d);
		free(n);
	}
}

/* C++ names, and legacy-looking ones without Rust's hash, are the C++ demangler's. */
static void
test_not_rust(void **state)
{
	char *d;

	(void)state;
	assert_null(demangle_rust("_ZN3foo3barEv"));
	assert_null(demangle_rust("_ZN3foo3barE"));
	assert_null(demangle_rust("_ZN3foo17h0123456789abcdeE"));	/* 15 hex digits */
	assert_null(demangle_rust("_ZN3foo17h0123456789abcdefEv"));	/* a parameter list follows */
	assert_null(demangle_rust("main"));
	assert_null(demangle_rust(NULL));
	d = demangle_name("_ZN3foo3barEv");
	assert_string_equal(d, "foo::bar()");
	free(d);
	assert_null(demangle_name("pthread_mutex_lock"));
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"_R", "_RNv", "_RNvC", "_RNvC3ab", "_RNvCs_3foo", "_RNvC3foo3ba",	/* truncated */
		"_R0NvC3foo3bar",			/* a version other than 0 */
		"_RNvC3foo3barX",			/* junk after the path */
		"_RNvC3foo3bar\x01",
		"_RNvB_3foo",				/* a backref to itself */
		"_RNvBz_3foo",				/* a backref forward */
		"_RNvC3foo3b$r",			/* not an identifier byte */
		"_RINvC3foo3barKc110000_E",		/* a char beyond Unicode */
		"_RINvC3foo3barKc7_E",			/* a control character */
		"_RNvC3foou3a_0",			/* bad punycode */
		"_ZN3foo4b$u1$r17h0123456789abcdefE",	/* an escaped control character */
		"_ZN3foo4b$XY$r17h0123456789abcdefE",	/* an unknown escape */
		"_ZN3foo99bar17h0123456789abcdefE",	/* a length past the end */
		"_RINvC3foo3barKj10000000000000000_E",	/* an integer over 64 bits */
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *d = demangle_rust(bad[i]);

		if (d != NULL)
			fail_msg("%s: got %s, want none", bad[i], d);
	}
}

/* Backrefs that double the name at each step, and deep nesting: refused within the bounds. */
static void
test_bounds(void **state)
{
	char sym[4096];
	size_t n, prev;
	char *d;

	(void)state;
	n = (size_t)snprintf(sym, sizeof sym, "_RINvC1a1f");
	prev = n - 2;
	n += (size_t)snprintf(sym + n, sizeof sym - n, "TuuE");
	for (int k = 0; k < 40; k++) {
		size_t here = n - 2;
		char b62[16];
		uint64_t v = prev - 1;	/* base-62 numbers are stored one less, "_" being 0 */

		if (prev == 0)
			snprintf(b62, sizeof b62, "_");
		else {
			static const char dig[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
			char tmp[16];
			int t = 0, o = 0;

			do {
				tmp[t++] = dig[v % 62];
				v /= 62;
			} while (v != 0);
			while (t > 0)
				b62[o++] = tmp[--t];
			b62[o++] = '_';
			b62[o] = '\0';
		}
		n += (size_t)snprintf(sym + n, sizeof sym - n, "TB%sB%sE", b62, b62);
		prev = here;
	}
	snprintf(sym + n, sizeof sym - n, "E");
	assert_null(demangle_rust(sym));
	/* a few doublings stay within the bounds and decode */
	d = demangle_rust("_RINvC1a1fTuuETB7_B7_EE");
	assert_non_null(d);
	assert_string_equal(d, "a::f::<((), ()), (((), ()), ((), ()))>");
	free(d);
	/* nesting deeper than DEMANGLE_MAX_DEPTH */
	n = (size_t)snprintf(sym, sizeof sym, "_RINvC1a1f");
	for (int k = 0; k < DEMANGLE_MAX_DEPTH + 8; k++)
		sym[n++] = 'R';
	sym[n++] = 'u';
	sym[n++] = 'E';
	sym[n] = '\0';
	assert_null(demangle_rust(sym));
	/* an over-long symbol is not looked at */
	memset(sym, 'a', sizeof sym - 1);
	memcpy(sym, "_RNvC1a", 7);
	sym[sizeof sym - 1] = '\0';
	assert_null(demangle_rust(sym));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_not_rust),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests_name("demangle", tests, NULL, NULL);
}
